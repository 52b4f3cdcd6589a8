"""Registrations: one row per person per session, confirmed, waitlisted or cancelled."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext_lazy as _

from events.models.tokens import manage_token_for, new_checkin_code, new_manage_nonce

from .catalog import Sector, TrainingSession


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    # No index of its own: the (session, status, waitlisted_at, id) index leads with it.
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="registrations",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    # Stored normalized (trimmed, lower-case) by the registration service. Blank only
    # for a walk-in who gave none at the door (no emails, no certificate by email).
    email = models.EmailField(_("email"), max_length=254, blank=True)
    organization = models.CharField(_("organization"), max_length=200, blank=True)
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="registrations"
    )
    # The hold whose seat this registrant took (events/models/seat_holds.py), set under
    # the session lock; empty for a general seat. Indexed only where set (Meta).
    hold = models.ForeignKey(
        "events.SeatHold",
        verbose_name=_("held seat"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        db_index=False,
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    accommodations = models.TextField(_("accessibility needs"), max_length=2000, blank=True)
    # The registrant's own time zone, as their browser reported it when they registered
    # (blank when it did not): an online session's emails also give the time there.
    timezone = models.CharField(_("own time zone"), max_length=64, blank=True)
    consented_at = models.DateTimeField(_("consent given at"))
    # Indexed with the session only: three values alone select nothing, and an index on
    # them tempts the planner into scanning every session's confirmed rows.
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # Waiting-list order is first come, first served: (waitlisted_at, id).
    waitlisted_at = models.DateTimeField(_("joined waiting list"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked in by"),
    )
    attended = models.BooleanField(_("attended"), default=False)
    # Evidence for an online session: when they first joined through their own link.
    # Attendance stays the organizer's decision (attended, above).
    joined_at = models.DateTimeField(_("joined online at"), null=True, blank=True)
    reminders_opt_out = models.BooleanField(_("no reminders"), default=False)
    # The language the person registered in: every email to them and their certificate
    # are rendered in it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    manage_nonce = models.CharField(max_length=32, default=new_manage_nonce, editable=False)
    # Unique through Meta.constraints: a field's unique=True would also build a LIKE
    # index on PostgreSQL, which exact lookups never use and every insert maintains.
    manage_token_hash = models.CharField(max_length=64, editable=False)
    checkin_code = models.CharField(max_length=16, default=new_checkin_code, editable=False)
    anonymized_at = models.DateTimeField(_("anonymized at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "email"],
                condition=~Q(status="cancelled") & ~Q(email=""),
                name="one_active_registration_per_email",
            ),
            models.UniqueConstraint(fields=["manage_token_hash"], name="unique_manage_token"),
            models.UniqueConstraint(fields=["checkin_code"], name="unique_checkin_code"),
        ]
        indexes = [
            # Seat counts, the waiting list in order, and (by its prefix) every lookup
            # of a session's registrations.
            models.Index(fields=["session", "status", "waitlisted_at", "id"]),
            # Every registration of one address (resending links, "My trainings").
            models.Index(fields=["email"]),
            # Seats taken per hold: only the few registrations that took a held seat.
            models.Index(
                fields=["hold"], condition=Q(hold__isnull=False), name="registration_held_seat"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @staticmethod
    def language_for(code: str | None) -> str:
        """One of LANGUAGES for a request's language code ("es-MX" -> "es"); else the default."""
        try:
            return get_supported_language_variant(code or "")
        except LookupError:
            return settings.LANGUAGE_CODE

    @property
    def manage_token(self) -> str:
        return manage_token_for(self.manage_nonce)

    def get_manage_url(self) -> str:
        return reverse("events:manage", args=[self.manage_token])

    def get_join_url(self) -> str:
        """The registrant's own way into an online session, which notes the join."""
        return reverse("events:manage_join", args=[self.manage_token])

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED
