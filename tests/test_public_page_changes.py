"""Every service that changes what a public page shows says so, and the list has no gaps.

Stored public pages (events/views/page_cache.py) are keyed by versions that a service
moves with public_pages_changed() once its transaction commits. A service that changes
seats, a session's details or the catalogue without saying so would leave visitors a
stale page for up to two minutes. So every public function of events.services is named
below, either with a run that proves it moves the right version, or as one that changes
no public page; a new service that is in neither list fails the first test until
someone decides which it is.
"""

import importlib
import inspect
import pkgutil
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

import events.services
from events.models import Offer, Registration, SeatHold, Sector, Training, TrainingSession
from events.services import (
    catalog,
    checkin,
    offers,
    privacy,
    registration,
    seat_holds,
    sessions,
    waitlist,
)
from events.services.locking import lock_session
from events.services.public_pages import (
    CATALOG_KEY,
    LISTS_KEY,
    current_versions,
    session_version_key,
)
from tests.factories import (
    DoorOpenSessionFactory,
    RegistrationFactory,
    SessionFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db


def _register(session, sector):
    registration.register_for_session(
        session_id=session.pk,
        attendee=registration.AttendeeDetails(
            full_name="Ana Ruiz", email="ana@example.org", sector_id=sector.pk
        ),
    )


def _cancel(session, sector):
    seated = RegistrationFactory(session=session)
    registration.cancel_registration(registration_id=seated.pk)


def _fill(session, sector):
    RegistrationFactory(session=session, waitlisted=True)
    with transaction.atomic():
        waitlist.fill_free_seats(session=lock_session(session.pk))


def _promote_all(session, sector):
    RegistrationFactory(session=session, waitlisted=True)
    waitlist.promote_from_waitlist(session_id=session.pk)


def _promote_one(session, sector):
    waiting = RegistrationFactory(session=session, waitlisted=True)
    waitlist.promote_registration(registration_id=waiting.pk)


def _update(session, sector):
    session.venue = "Another hall"
    sessions.update_session(session=session)


def _delete(session, sector):
    sessions.delete_sessions(sessions=TrainingSession.objects.filter(pk=session.pk))


def _walk_in(session, sector):
    # The door opens CHECKIN_OPENS_BEFORE_MINUTES before the start: move it that close
    # (an UPDATE around the services, which moves no version by itself).
    starts = timezone.now() + timedelta(minutes=30)
    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=starts, ends_at=starts + timedelta(hours=3)
    )
    checkin.add_walk_in(session_id=session.pk, full_name="Walk In", sector_id=sector.pk)


def _erase(session, sector):
    seated = RegistrationFactory(session=session)
    privacy.erase_registration(registration_id=seated.pk)


def _create(session, sector):
    new = TrainingSession(
        training=session.training,
        starts_at=session.starts_at + timedelta(days=7),
        ends_at=session.ends_at + timedelta(days=7),
        venue="Civic Center",
        city="Fargo",
        state="ND",
        capacity=20,
        status=TrainingSession.Status.PUBLISHED,
    )
    sessions.create_session(session=new)


def _save_training(session, sector):
    training = session.training
    training.title = "A new title"
    catalog.save_catalog_entry(entry=training)


def _delete_training(session, sector):
    catalog.delete_catalog_entries(entries=Training.objects.filter(pk=TrainingFactory().pk))


def _save_sector(session, sector):
    sector.name = "Renamed"
    catalog.save_catalog_entry(entry=sector)


def _offered(session, *, lapsed: bool = False) -> Offer:
    waiting = RegistrationFactory(session=session, waitlisted=True)
    expires = timezone.now() + timedelta(hours=-1 if lapsed else 1)
    return Offer.objects.create(registration=waiting, session=session, expires_at=expires)


def _claim(session, sector):
    offers.claim_offer(offer_id=_offered(session).pk)


def _claim_open(session, sector):
    offer = _offered(session)
    with transaction.atomic():
        locked = lock_session(session.pk)
        waitlist.claim_open_offer(offer, session=locked, now=timezone.now())


def _decline(session, sector):
    offers.decline_offer(offer_id=_offered(session).pk)


def _expire(session, sector):
    _offered(session, lapsed=True)
    offers.expire_offers(session_id=session.pk)


def _expire_due(session, sector):
    _offered(session, lapsed=True)
    offers.expire_due_offers()


def _update_holds(session, sector):
    def write():
        hold = SeatHold.objects.create(
            session=session, seats=1, until=timezone.now() + timedelta(days=1)
        )
        hold.sectors.add(sector)
        return hold

    seat_holds.update_seat_holds(session_id=session.pk, write=write)


def _release_holds(session, sector):
    SeatHold.objects.create(session=session, seats=1, until=timezone.now() - timedelta(hours=1))
    RegistrationFactory(session=session, waitlisted=True)
    seat_holds.release_ended_holds()


# "module.function": (the run, which versions must move: "session", "lists", "catalog").
CHANGES_PUBLIC_PAGES = {
    "registration.register_for_session": (_register, {"session", "lists"}),
    "registration.cancel_registration": (_cancel, {"session", "lists"}),
    "waitlist.fill_free_seats": (_fill, {"session", "lists"}),
    "waitlist.promote_from_waitlist": (_promote_all, {"session", "lists"}),
    "waitlist.promote_registration": (_promote_one, {"session", "lists"}),
    "sessions.update_session": (_update, {"session", "lists"}),
    "sessions.delete_sessions": (_delete, {"session", "lists"}),
    "sessions.create_session": (_create, {"lists"}),
    "checkin.add_walk_in": (_walk_in, {"session", "lists"}),
    "privacy.erase_registration": (_erase, {"session", "lists"}),
    "catalog.save_catalog_entry": (_save_training, {"catalog"}),
    "catalog.delete_catalog_entries": (_delete_training, {"catalog"}),
    "offers.claim_offer": (_claim, {"session", "lists"}),
    "offers.decline_offer": (_decline, {"session", "lists"}),
    "offers.expire_offers": (_expire, {"session", "lists"}),
    "offers.expire_due_offers": (_expire_due, {"session", "lists"}),
    "waitlist.claim_open_offer": (_claim_open, {"session", "lists"}),
    "seat_holds.update_seat_holds": (_update_holds, {"session", "lists"}),
    "seat_holds.release_ended_holds": (_release_holds, {"session", "lists"}),
}

# Services that change nothing a public page shows: reads, the outbox, certificates,
# evaluations, attendance (which no public page counts), and the cache's own helpers.
CHANGES_NO_PUBLIC_PAGE = {
    "audit.audit_entry",
    "audit.record_audit",
    "badges.draw_status_index",
    "badges.ensure_status_index",
    "badges.status_list_cache_key",
    "badges.forget_status_list",
    "certificates.render_pdf",
    "certificates.issue_certificate",
    "certificates.reissue_certificate",
    "certificates.revoke_certificate",
    "certificates.issue_session_certificates",
    "certificates.issue_batch",
    "certificate_issuance.request_session_issuance",
    "certificate_issuance.request_selection_issuance",
    "certificate_issuance.run_certificate_issuance",
    "certificate_issuance.resume_stalled_issuances",
    "certificates.certificate_pdf",
    "checkin.check_in",
    "checkin.record_joined",
    "checkin.mark_attended",
    "checkin.record_offline_scan",
    "enqueue.enqueue",
    "enqueue.enqueue_on_commit",
    "evaluation_dispatch.evaluation_recipients",
    "evaluation_dispatch.dispatch_due_evaluations",
    "evaluations.revision_of",
    "evaluations.questionnaire_for",
    "evaluations.submit_evaluation",
    "evaluations.is_answered",
    "evaluations.new_questionnaire_version",
    "evaluations.next_version_number",
    "evaluations.override_certificate_gate",
    "locking.lock_session",
    # Run by cancel_registration under its lock, which says the pages changed.
    "offers.withdraw_offer",
    # Run by add_walk_in under its lock, which says the pages changed (a seat was taken).
    "offers.take_offer_at_the_door",
    "waitlist.offers_seats",
    "notification_delivery.skip_reason",
    "notification_delivery.evaluation_skip_reason",
    "notification_delivery.deliver_notification",
    "notification_delivery.send_claimed",
    "notification_delivery.deliver_notifications",
    "notification_outcomes.backoff_seconds",
    "notification_outcomes.retry_window",
    "notification_outcomes.mark_sent",
    "notification_outcomes.mark_sent_later",
    "notification_outcomes.mark_skipped",
    "notification_outcomes.release_for_retry",
    "notification_outcomes.mark_failed",
    "notification_recovery.retry_failed_notifications",
    "notification_recovery.requeue_stale_notifications",
    "notifications.stale_after",
    "notifications.queue_account_email",
    "notifications.queue_notification",
    "notifications.queue_notifications",
    "notifications.enqueue_sends",
    "notifications.insert_notification_rows",
    "notifications.enqueue_new_rows",
    "notifications.claim_notification",
    "notifications.claim_notifications",
    # Past sessions only (RETENTION_MONTHS after their end): no seats left to show.
    "privacy.erased_email",
    "privacy.months_before",
    "privacy.retention_cutoff",
    "privacy.anonymize_expired_registrations",
    "public_pages.session_version_key",
    "public_pages.public_pages_changed",
    "public_pages.current_versions",
    "registration.send_manage_link_again",
    "registration.resend_manage_links",
    "registration.set_reminder_preference",
    # A registrant's own corrections (name, organization) show on no public page.
    "registration.correct_attendee_details",
    "reminders.current_reminder",
    "reminders.reminder_recipients",
    "reminders.dispatch_due_reminders",
    # A registrant's details (name, organization) show on no public page.
    "roster.update_registration_details",
    "roster.resend_confirmation",
    "roster.new_message_variant",
    "roster.message_registrant",
}


def _public_services() -> set[str]:
    names = set()
    for module_info in pkgutil.iter_modules(events.services.__path__):
        module = importlib.import_module(f"events.services.{module_info.name}")
        for name, obj in vars(module).items():
            if (
                inspect.isfunction(obj)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                names.add(f"{module_info.name}.{name}")
    return names


def test_every_service_is_listed_as_changing_public_pages_or_not():
    changes, unchanged = set(CHANGES_PUBLIC_PAGES), CHANGES_NO_PUBLIC_PAGE
    assert not changes & unchanged
    unlisted = _public_services() - changes - unchanged
    assert not unlisted, f"say in this file whether these change a public page: {unlisted}"
    assert not (changes | unchanged) - _public_services(), "listed services that are gone"


@pytest.mark.parametrize("service", sorted(CHANGES_PUBLIC_PAGES))
def test_a_service_that_changes_a_public_page_says_so(
    service, sector, django_capture_on_commit_callbacks
):
    run, moved = CHANGES_PUBLIC_PAGES[service]
    session = SessionFactory(capacity=3, starts_at=timezone.now() + timedelta(days=3))
    keys = {
        "session": session_version_key(session.public_id),
        "lists": LISTS_KEY,
        "catalog": CATALOG_KEY,
    }
    before = dict(zip(keys, current_versions(list(keys.values())), strict=True))
    with django_capture_on_commit_callbacks(execute=True):
        run(session, sector)
    after = dict(zip(keys, current_versions(list(keys.values())), strict=True))
    changed = {name for name in keys if before[name] != after[name]}
    assert moved <= changed, f"{service} did not mark {moved - changed} stale"


def test_a_sector_edit_marks_every_page_stale(sector, django_capture_on_commit_callbacks):
    before = current_versions([CATALOG_KEY])
    with django_capture_on_commit_callbacks(execute=True):
        _save_sector(None, Sector.objects.get(pk=sector.pk))
    assert current_versions([CATALOG_KEY]) != before


def test_a_check_in_leaves_the_stored_pages_alone(django_capture_on_commit_callbacks):
    # The control: a service listed as changing nothing public moves no version.
    seated = RegistrationFactory(session=DoorOpenSessionFactory())
    keys = [LISTS_KEY, session_version_key(seated.session.public_id)]
    before = current_versions(keys)
    with django_capture_on_commit_callbacks(execute=True):
        checkin.check_in(registration_id=seated.pk)
    assert current_versions(keys) == before
    assert Registration.objects.get(pk=seated.pk).attended
