"""Certificate issuance runs: the request queues, the worker issues, the page shows progress."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, Certificate, CertificateIssuance, Notification
from events.selectors.certificates import issuance_progress
from events.services import certificate_issuance as runs
from events.services import certificates as certificate_service
from events.services import enqueue as enqueue_module
from tests.factories import (
    AttendedRegistrationFactory,
    EndedSessionFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:events_registration_changelist"


@pytest.fixture
def session():
    return EndedSessionFactory()


@pytest.fixture
def organizer(session):
    return ScopedOrganizerFactory(organizes=[session])


@pytest.fixture
def published(monkeypatch):
    """Record what is handed to the broker instead of running it."""
    sent = []
    monkeypatch.setattr(enqueue_module, "enqueue", lambda name, *args, **kw: sent.append(args))
    monkeypatch.setattr(runs, "enqueue", lambda name, *args, **kw: sent.append(args))
    return sent


def attendees(session, count):
    return AttendedRegistrationFactory.create_batch(count, session=session)


def select(client, registrations):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "issue_certificates",
            "_selected_action": [r.pk for r in registrations],
            "index": 0,
        },
        follow=True,
    )


# --- The request ------------------------------------------------------------------------


def test_the_roster_action_queues_a_run_and_draws_no_pdf_in_the_request(
    client, organizer, session, monkeypatch, django_capture_on_commit_callbacks, published
):
    people = attendees(session, 3)

    def no_drawing_here(*args, **kwargs):
        raise AssertionError("a PDF was drawn in the request")

    monkeypatch.setattr(certificate_service, "render_certificate_pdf", no_drawing_here)
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = select(client, people)

    run = CertificateIssuance.objects.get()
    assert not Certificate.objects.exists()
    assert run.items.filter(outcome="pending").count() == 3
    assert run.requested_by == organizer
    assert run.scope == CertificateIssuance.Scope.SELECTION
    # Published once, after the commit, by id; the worker does the rest.
    assert len(callbacks) == 1
    assert published == [(run.pk,)]
    page = reverse("admin:events_certificate_issuance_run", args=[run.pk])
    assert f'href="{page}"' in response.content.decode()


def test_the_request_records_who_asked_in_the_audit_trail(client, organizer, session):
    client.force_login(organizer)
    select(client, attendees(session, 2))
    run = CertificateIssuance.objects.get()
    entry = AuditEntry.objects.get(action="certificate_run_started")
    assert entry.actor == organizer
    assert entry.session == session
    assert entry.detail == {"issuance": run.pk, "scope": "selection", "total": 2}


def test_a_selection_across_sessions_makes_one_run_per_session(published):
    first, second = attendees(EndedSessionFactory(), 2), attendees(EndedSessionFactory(), 1)
    made = runs.request_selection_issuance(registration_ids=[r.pk for r in first + second])
    assert sorted(run.items.count() for run in made) == [1, 2]
    assert {run.session_id for run in made} == {first[0].session_id, second[0].session_id}


def test_the_session_button_queues_a_run_and_shows_its_page(admin_client, session, published):
    attendees(session, 2)
    start = reverse("admin:events_certificate_issuance_start", args=[session.public_id])
    response = admin_client.post(start)
    run = CertificateIssuance.objects.get()
    assert response.url == reverse("admin:events_certificate_issuance_run", args=[run.pk])
    assert run.scope == CertificateIssuance.Scope.SESSION
    assert run.items.count() == 2
    assert not Certificate.objects.exists()


def test_a_second_session_request_while_one_runs_joins_the_running_run(
    session, published, django_capture_on_commit_callbacks
):
    attendees(session, 4)
    with django_capture_on_commit_callbacks(execute=True):
        first = runs.request_session_issuance(session_id=session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = runs.request_session_issuance(session_id=session.pk)

    assert second.pk == first.pk
    assert CertificateIssuance.objects.count() == 1
    assert first.items.count() == 4
    # Enqueued again (harmless: items are claimed once), which revives a lost message.
    assert published == [(first.pk,), (first.pk,)]
    joined = AuditEntry.objects.filter(action="certificate_run_started").order_by("id")
    assert [e.detail.get("joined_running", False) for e in joined] == [False, True]


def test_a_session_request_after_a_finished_run_starts_a_new_one(session, published):
    attendees(session, 1)
    first = runs.request_session_issuance(session_id=session.pk)
    runs.run_certificate_issuance(issuance_id=first.pk)
    second = runs.request_session_issuance(session_id=session.pk)
    assert second.pk != first.pk
    assert second.items.count() == 0  # nothing is owed any more


def test_a_session_that_has_not_ended_is_refused_before_anything_is_queued(published):
    upcoming = RegistrationFactory().session
    with pytest.raises(certificate_service.CertificateRefused):
        runs.request_session_issuance(session_id=upcoming.pk)
    assert not CertificateIssuance.objects.exists()
    assert published == []


# --- The worker's part --------------------------------------------------------------------


def test_the_run_issues_every_eligible_and_counts_refusals_by_reason(session, published):
    people = attendees(session, 3)
    absent = RegistrationFactory(session=session)
    gone = RegistrationFactory(session=session, cancelled=True, attended=True)
    (run,) = runs.request_selection_issuance(
        registration_ids=[r.pk for r in [*people, absent, gone]]
    )

    run = runs.run_certificate_issuance(issuance_id=run.pk)

    progress = issuance_progress(run)
    assert (progress.total, progress.issued, progress.refused, progress.pending) == (5, 3, 2, 0)
    assert progress.reasons == [
        ("The attendee is not marked as attended.", 1),
        ("The registration is not confirmed.", 1),
    ]
    assert run.finished_at is not None
    assert set(Certificate.objects.values_list("registration_id", flat=True)) == {
        p.pk for p in people
    }
    assert Notification.objects.filter(kind="certificate").count() == 3
    finished = AuditEntry.objects.get(action="certificate_run_finished")
    assert finished.detail["issued"] == 3


def test_running_a_run_twice_issues_and_emails_each_certificate_once(session, published):
    (run,) = runs.request_selection_issuance(registration_ids=[r.pk for r in attendees(session, 3)])
    runs.run_certificate_issuance(issuance_id=run.pk)
    CertificateIssuance.objects.filter(pk=run.pk).update(finished_at=None)
    run.items.update(outcome="pending")  # as if redelivered before its outcomes were seen

    runs.run_certificate_issuance(issuance_id=run.pk)

    assert Certificate.objects.count() == 3
    assert Notification.objects.filter(kind="certificate").count() == 3
    assert issuance_progress(run).already_issued == 3


def test_a_long_run_continues_in_a_new_task_and_resumes_where_it_stopped(session, published):
    (run,) = runs.request_selection_issuance(
        registration_ids=[r.pk for r in attendees(session, certificate_service.BATCH_SIZE + 3)]
    )
    published.clear()

    # No time left after the first batch: the rest is handed to a new task.
    partial = runs.run_certificate_issuance(issuance_id=run.pk, chunk_seconds=0)
    assert partial.finished_at is None
    assert published == [(run.pk,)]
    assert Certificate.objects.count() == certificate_service.BATCH_SIZE

    done = runs.run_certificate_issuance(issuance_id=run.pk)
    assert done.finished_at is not None
    assert Certificate.objects.count() == certificate_service.BATCH_SIZE + 3
    assert issuance_progress(done).issued == certificate_service.BATCH_SIZE + 3


def test_a_batch_cut_off_midway_leaves_nothing_and_the_retry_issues_it_once(
    session, published, monkeypatch
):
    (run,) = runs.request_selection_issuance(registration_ids=[r.pk for r in attendees(session, 3)])
    record = runs._record

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(runs, "_record", database_gone)
    with pytest.raises(OperationalError):
        runs.run_certificate_issuance(issuance_id=run.pk)
    assert not Certificate.objects.exists()
    assert run.items.filter(outcome="pending").count() == 3

    monkeypatch.setattr(runs, "_record", record)
    runs.run_certificate_issuance(issuance_id=run.pk)
    assert Certificate.objects.count() == 3
    assert Notification.objects.filter(kind="certificate").count() == 3


def test_a_certificate_issued_meanwhile_counts_as_already_issued(session, published):
    people = attendees(session, 2)
    (run,) = runs.request_selection_issuance(registration_ids=[p.pk for p in people])
    certificate_service.issue_certificate(registration_id=people[0].pk)

    run = runs.run_certificate_issuance(issuance_id=run.pk)

    progress = issuance_progress(run)
    assert (progress.issued, progress.already_issued) == (1, 1)
    assert Certificate.objects.count() == 2


def test_a_pdf_that_cannot_be_drawn_fails_its_own_item_only(session, published, monkeypatch):
    people = attendees(session, 3)
    broken = people[1]
    render = certificate_service.render_pdf

    def render_or_fail(certificate):
        if certificate.registration_id == broken.pk:
            raise ValueError("broken logo")
        return render(certificate)

    monkeypatch.setattr(certificate_service, "render_pdf", render_or_fail)
    (run,) = runs.request_selection_issuance(registration_ids=[p.pk for p in people])

    run = runs.run_certificate_issuance(issuance_id=run.pk)

    progress = issuance_progress(run)
    assert (progress.issued, progress.failed, progress.pending) == (2, 1, 0)
    assert not Certificate.objects.filter(registration=broken).exists()


def test_a_stalled_run_is_enqueued_again_and_a_moving_one_is_not(session, published):
    (stalled,) = runs.request_selection_issuance(
        registration_ids=[r.pk for r in attendees(session, 1)]
    )
    (moving,) = runs.request_selection_issuance(
        registration_ids=[r.pk for r in attendees(EndedSessionFactory(), 1)]
    )
    long_ago = timezone.now() - timedelta(minutes=10)
    CertificateIssuance.objects.filter(pk=stalled.pk).update(progressed_at=long_ago)
    published.clear()

    assert runs.resume_stalled_issuances(stalled_for_seconds=300) == [stalled.pk]
    assert published == [(stalled.pk,)]
    # Touched: the next scan leaves it alone for another interval.
    assert runs.resume_stalled_issuances(stalled_for_seconds=300) == []
    assert moving.pk not in [args[0] for args in published]


# --- The progress page ----------------------------------------------------------------------


def run_page(run):
    return reverse("admin:events_certificate_issuance_run", args=[run.pk])


def test_the_progress_page_shows_counts_and_refreshes_until_done(
    client, organizer, session, published
):
    people = attendees(session, 2)
    absent = RegistrationFactory(session=session)
    (run,) = runs.request_selection_issuance(
        registration_ids=[p.pk for p in [*people, absent]], actor=organizer
    )
    client.force_login(organizer)

    waiting = client.get(run_page(run)).content.decode()
    assert "0 of 3 certificates issued." in waiting
    assert 'data-running="true"' in waiting

    runs.run_certificate_issuance(issuance_id=run.pk)
    done = client.get(run_page(run)).content.decode()
    assert "2 of 3 certificates issued." in done
    assert "The attendee is not marked as attended." in done
    assert 'data-running="false"' in done


def test_the_progress_page_speaks_spanish_with_the_reasons_translated(
    client, organizer, session, published
):
    (run,) = runs.request_selection_issuance(
        registration_ids=[RegistrationFactory(session=session).pk]
    )
    runs.run_certificate_issuance(issuance_id=run.pk)
    client.force_login(organizer)
    page = client.get(run_page(run), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "0 de 1 certificado emitido." in page
    assert "El asistente no está marcado como asistió." in page


def test_another_organizer_gets_404_for_the_progress_page(client, session, published):
    (run,) = runs.request_selection_issuance(registration_ids=[r.pk for r in attendees(session, 1)])
    stranger = ScopedOrganizerFactory(organizes=[EndedSessionFactory()])
    client.force_login(stranger)
    assert client.get(run_page(run)).status_code == 404


def test_the_progress_page_runs_a_fixed_number_of_queries(
    client, organizer, session, published, django_assert_max_num_queries
):
    people = [*attendees(session, 30), *RegistrationFactory.create_batch(5, session=session)]
    (run,) = runs.request_selection_issuance(registration_ids=[p.pk for p in people])
    runs.run_certificate_issuance(issuance_id=run.pk)
    client.force_login(organizer)
    with django_assert_max_num_queries(12):
        response = client.get(run_page(run))
    assert "30 of 35 certificates issued." in response.content.decode()


def test_a_run_number_past_any_integer_is_a_404_not_an_error(admin_client):
    path = reverse("admin:events_certificate_issuance_run", args=[10**30])
    assert admin_client.get(path).status_code == 404


def test_the_issuance_page_links_the_organizers_own_recent_runs(
    client, organizer, session, published, django_assert_max_num_queries
):
    (mine,) = runs.request_selection_issuance(
        registration_ids=[r.pk for r in attendees(session, 1)]
    )
    (theirs,) = runs.request_selection_issuance(
        registration_ids=[r.pk for r in attendees(EndedSessionFactory(), 1)]
    )
    client.force_login(organizer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("admin:events_certificate_issuance")).content.decode()
    assert run_page(mine) in page
    assert run_page(theirs) not in page
