"""Notifications: every email to an attendee is a row, sent once.

The one name for them in code is "notification" (this model, services/notifications.py
and its notification_* helpers, tasks/notifications.py, the admin). The table works as
a transactional outbox: a row is written in the transaction that decides to send, and
delivered after the commit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .registrations import Registration


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
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} {self.variant}".strip()
