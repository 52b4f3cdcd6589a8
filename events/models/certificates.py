"""Certificates of attendance: a snapshot of what they certify, verifiable by code."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .registrations import Registration


class Certificate(models.Model):
    registration = models.OneToOneField(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    # Stored without dashes, upper-case; shown as XXXX-XXXX-XXXX.
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    name_printed = models.CharField(_("name as printed"), max_length=200)
    training_title = models.CharField(_("training"), max_length=200)
    session_starts_at = models.DateTimeField(_("session start"))
    session_ends_at = models.DateTimeField(_("session end"))
    session_timezone = models.CharField(_("time zone"), max_length=64)
    place = models.CharField(_("place"), max_length=400)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=4, decimal_places=2)
    hosts = models.CharField(_("hosts"), max_length=300)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=200, blank=True)
    # The training's images as they were at issuance: storage names that always mean
    # the same bytes (models/certificate_images.py), so the snapshot stays what it was.
    logo = models.CharField(_("logo"), max_length=100, blank=True)
    signature_image = models.CharField(_("signature"), max_length=100, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("revocation reason"), max_length=300, blank=True)
    # The certificate's bit in the published revocation status list (Open Badges):
    # drawn at random among the unused ones when its first credential is made, so the
    # index tells nothing about how many certificates exist or when this one was issued.
    status_list_index = models.PositiveIntegerField(
        _("status list index"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    def get_verify_url(self) -> str:
        """The absolute public verification URL printed on the PDF and in its QR code."""
        return settings.SITE_URL + reverse("events:certificate_verify", args=[self.display_code])


class CertificateIssuance(models.Model):
    """A background run that issues the certificates of a session, or of a selection of
    its registrations: what the organizer asked for, and how far the worker got.

    Its items are the registrations to process, fixed when the run is requested; each
    item's outcome is written in the same transaction as its certificate, so the
    counts are exact and a worker that dies mid-run resumes with the pending items.
    """

    class Scope(models.TextChoices):
        SESSION = "session", _("Whole session")
        SELECTION = "selection", _("Selected registrations")

    session = models.ForeignKey(
        "events.TrainingSession",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="certificate_issuances",
    )
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # Moves with every batch: a run that stopped moving lost its worker (see the
    # resume scan in events/tasks/certificates.py).
    progressed_at = models.DateTimeField(_("last progress"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificate issuance")
        verbose_name_plural = _("certificate issuances")
        constraints = [
            # A second "issue the whole session" while one runs joins the running one.
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(scope="session", finished_at__isnull=True),
                name="one_running_session_issuance",
            )
        ]
        indexes = [
            models.Index(
                fields=["progressed_at"],
                condition=models.Q(finished_at__isnull=True),
                name="issuance_running_idx",
            )
        ]

    def __str__(self) -> str:
        return str(_("Certificate issuance #%(number)d") % {"number": self.pk})


class CertificateIssuanceItem(models.Model):
    """One registration of an issuance run, and what became of it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        ISSUED = "issued", _("Issued")
        ALREADY_ISSUED = "already_issued", _("Already issued")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    issuance = models.ForeignKey(
        CertificateIssuance, on_delete=models.CASCADE, related_name="items"
    )
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    # Why it was refused or failed, in words (counted by reason on the progress page).
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuance", "registration"], name="one_item_per_registration"
            )
        ]
        indexes = [models.Index(fields=["issuance", "outcome"], name="issuance_item_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.issuance_id}/{self.registration_id}: {self.outcome}"
