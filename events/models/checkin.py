"""Check-ins made on a door device, kept by the nonce the device gave each one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import TrainingSession
from .registrations import Registration


class CheckInScan(models.Model):
    """One scan or click made on a door device, usually offline, as it was uploaded.

    The nonce is made on the device (crypto.randomUUID), so uploading the same queue
    twice, or a batch whose answer was lost, finds the stored row and changes nothing.
    """

    class Outcome(models.TextChoices):
        CHECKED_IN = "checked_in", _("Checked in")
        ALREADY = "already", _("Already checked in")
        REFUSED = "refused", _("Refused")

    nonce = models.UUIDField(_("nonce"), unique=True)
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="checkin_scans",
    )
    # Empty for codes that name nobody in this session.
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkin_scans",
    )
    code = models.CharField(_("code as sent"), max_length=40, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"))
    device = models.CharField(_("device"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["scanned_at", "id"]
        verbose_name = _("door scan")
        verbose_name_plural = _("door scans")

    def __str__(self) -> str:
        return f"{self.nonce} {self.outcome}"
