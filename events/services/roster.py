"""Organizer changes to the roster: editing details, resending and writing to attendees."""

import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from events.models import Notification, Registration
from events.models.addresses import normalize_email_address

from .audit import record_audit
from .notifications import queue_notification

# The details an organizer may correct in the admin. Status, attendance and the
# session change only through the services that keep capacity and the audit right.
EDITABLE_DETAILS = (
    "full_name",
    "email",
    "organization",
    "sector",
    "job_title",
    "accommodations",
    "reminders_opt_out",
)


class RosterActionRefused(Exception):
    """The roster action does not apply to this registration; str(error) says why."""


def update_registration_details(*, registration: Registration, actor=None) -> Registration:
    """Save an organizer's corrections to an attendee's details and audit what changed.

    `registration` carries the edited values; only EDITABLE_DETAILS are written.
    """
    with transaction.atomic():
        stored = Registration.objects.select_for_update().get(pk=registration.pk)
        registration.email = normalize_email_address(registration.email)
        changed = [
            field
            for field in EDITABLE_DETAILS
            if getattr(stored, f"{field}_id" if field == "sector" else field)
            != getattr(registration, f"{field}_id" if field == "sector" else field)
        ]
        if not changed:
            return registration
        registration.save(update_fields=[*changed, "updated_at"])
        record_audit(
            action="details_changed", actor=actor, registration=registration, fields=changed
        )
        return registration


def resend_confirmation(*, registration_id: int, actor=None) -> Notification:
    """Queue the confirmation (or waiting-list) email again, as a new outbox row."""
    registration = Registration.objects.select_related("session").get(pk=registration_id)
    if registration.status == Registration.Status.CANCELLED:
        raise RosterActionRefused(_("cancelled"))
    kind = (
        Notification.Kind.CONFIRMATION
        if registration.status == Registration.Status.CONFIRMED
        else Notification.Kind.WAITLISTED
    )
    with transaction.atomic():
        # The outbox is unique per (registration, kind, variant): each resend is numbered.
        resent = registration.notifications.filter(kind=kind, variant__startswith="resend-")
        notification = queue_notification(
            registration=registration, kind=kind, variant=f"resend-{resent.count() + 1}"
        )
        record_audit(action="confirmation_resent", actor=actor, registration=registration)
    return notification


def new_message_variant() -> str:
    """One id per organizer message, shared by all its recipients (fits the 32-char variant)."""
    return f"msg-{secrets.token_hex(8)}"


def message_registrant(
    *, registration_id: int, subject: str, body: str, variant: str, actor=None
) -> Notification:
    """Queue an organizer's message to one attendee; cancelled registrations are skipped."""
    registration = Registration.objects.select_related("session").get(pk=registration_id)
    if registration.status == Registration.Status.CANCELLED:
        raise RosterActionRefused(_("cancelled"))
    with transaction.atomic():
        notification = queue_notification(
            registration=registration,
            kind=Notification.Kind.ORGANIZER_MESSAGE,
            variant=variant,
            payload={"subject": subject, "body": body},
        )
        record_audit(
            action="message_sent",
            actor=actor,
            registration=registration,
            subject=subject[:200],
            variant=variant,
        )
    return notification
