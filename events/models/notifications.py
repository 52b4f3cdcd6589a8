"""Notifications: every email the platform sends is a row, sent once.

Most are to a registrant (registration set); account emails (address confirmation,
"an account exists", password reset) are to a user (user set). One of the two, always.

The one name for them in code is "notification" (this model, services/notifications.py
and its notification_* helpers, tasks/notifications.py, the admin). The table works as
a transactional outbox: a row is written in the transaction that decides to send, and
delivered after the commit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .registrations import Registration

# The kinds sent to an account (user set) rather than to a registrant (registration set).
ACCOUNT_KINDS = ["verify_email", "account_exists", "password_reset"]


class Notification(models.Model):
    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation")
        WAITLISTED = "waitlisted", _("Waiting-list place")
        PROMOTED = "promoted", _("Promoted from the waiting list")
        CANCELLED = "cancelled", _("Registration cancelled")
        REMINDER = "reminder", _("Reminder")
        SESSION_CHANGED = "session_changed", _("Session changed")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        CERTIFICATE = "certificate", _("Certificate")
        ORGANIZER_MESSAGE = "organizer_message", _("Message from the organizer")
        MANAGE_LINK = "manage_link", _("Manage link resent")
        EVALUATION = "evaluation", _("Post-evaluation")
        EVALUATION_REMINDER = "evaluation_reminder", _("Post-evaluation reminder")
        WALK_IN = "walk_in", _("Walk-in checked in")
        OFFERED = "offered", _("Seat offered")
        OFFER_DECLINED = "offer_declined", _("Seat offer declined")
        OFFER_EXPIRED = "offer_expired", _("Seat offer expired")
        VERIFY_EMAIL = "verify_email", _("Address confirmation")
        ACCOUNT_EXISTS = "account_exists", _("Account already exists")
        PASSWORD_RESET = "password_reset", _("Password reset")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # No longer relevant when its turn came (a reminder for a cancelled place,
        # an anonymized registrant): never sent, and not an error either.
        SKIPPED = "skipped", _("Skipped")

    # No index of its own: the (registration, kind, variant) constraint leads with it.
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        null=True,
        blank=True,
    )
    # Account emails: to the account's owner, whose address may not be a registrant's.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # Distinguishes repeatable messages: the reminder offset ("7d"), the session's
    # schedule version, a resend counter or an organizer message number.
    variant = models.CharField(_("variant"), max_length=32, blank=True, default="")
    # Indexed by Meta.indexes' (status, next_attempt_at), which serves status alone too.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # When the broker message for this row is due to run: the enqueue time, or the
    # end of a retry's backoff. Empty until a dispatcher has enqueued the row. A
    # queued row well past this time lost its message and is enqueued again.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The first transient failure of the current run of retries: the row is retried
    # until NOTIFICATION_RETRY_HOURS after it, then failed. "Retry now" clears it.
    first_failed_at = models.DateTimeField(_("first failed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications (outbox)")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind", "variant"], name="one_notification_per_kind"
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "variant"],
                condition=Q(user__isnull=False),
                name="one_account_notification_per_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, registration__isnull=True, kind__in=ACCOUNT_KINDS)
                    | (
                        Q(registration__isnull=False, user__isnull=True)
                        & ~Q(kind__in=ACCOUNT_KINDS)
                    )
                ),
                name="notification_to_a_registrant_or_an_account",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} {self.variant}".strip()

    @property
    def recipient_email(self) -> str:
        return self.registration.email if self.registration_id else self.user.email
