"""Concurrent issuance on real PostgreSQL: each certificate is created exactly once."""

import threading

import pytest
from django.db import connection

from events.models import AuditEntry, Certificate, CertificateIssuance, Notification
from events.selectors.certificates import issuance_progress
from events.services import certificate_issuance as runs
from events.services import certificates as services
from events.services import enqueue
from events.tasks import certificates as tasks
from tests.factories import AttendedRegistrationFactory, EndedSessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 4
ATTENDEES = 30


def run_at_once(target, count: int) -> list:
    """Start count threads on target together; return their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target()
        except Exception as error:  # reported by the test, not swallowed
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_session_runs_create_each_certificate_once():
    session = EndedSessionFactory()
    registrations = AttendedRegistrationFactory.create_batch(ATTENDEES, session=session)

    results = run_at_once(
        lambda: services.issue_session_certificates(session_id=session.pk), WORKERS
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.issued for r in results) == ATTENDEES
    assert Certificate.objects.count() == ATTENDEES
    assert set(Certificate.objects.values_list("registration_id", flat=True)) == {
        r.pk for r in registrations
    }
    assert AuditEntry.objects.filter(action="certificate_issued").count() == ATTENDEES
    assert Notification.objects.filter(kind=Notification.Kind.CERTIFICATE).count() == ATTENDEES


def test_concurrent_issuance_tasks_for_one_session_issue_every_certificate_once():
    session = EndedSessionFactory()
    AttendedRegistrationFactory.create_batch(ATTENDEES, session=session)

    results = run_at_once(lambda: tasks.issue_session_certificates.apply(args=[session.pk]), 3)

    assert all(r is not None and r.successful() for r in results), results
    assert Certificate.objects.filter(registration__session=session).count() == ATTENDEES
    assert len(set(Certificate.objects.values_list("code", flat=True))) == ATTENDEES


def test_concurrent_single_issues_of_one_registration_create_one_certificate():
    registration = AttendedRegistrationFactory()

    results = run_at_once(
        lambda: services.issue_certificate(registration_id=registration.pk), WORKERS
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1
    assert Certificate.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.CERTIFICATE).count() == 1


def test_one_issuance_run_taken_by_several_tasks_at_once_issues_each_certificate_once(
    monkeypatch,
):

    monkeypatch.setattr(enqueue, "enqueue", lambda *args, **kwargs: None)  # no eager rerun
    session = EndedSessionFactory()
    people = AttendedRegistrationFactory.create_batch(ATTENDEES * 3, session=session)
    (run,) = runs.request_selection_issuance(registration_ids=[p.pk for p in people])

    results = run_at_once(lambda: runs.run_certificate_issuance(issuance_id=run.pk), WORKERS)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Certificate.objects.count() == ATTENDEES * 3
    assert Notification.objects.filter(kind=Notification.Kind.CERTIFICATE).count() == len(people)
    progress = issuance_progress(run)
    assert (progress.issued, progress.already_issued, progress.pending) == (len(people), 0, 0)
    assert CertificateIssuance.objects.get(pk=run.pk).finished_at is not None
    assert AuditEntry.objects.filter(action="certificate_run_finished").count() == 1


def test_session_runs_requested_at_once_make_one_run(monkeypatch):

    monkeypatch.setattr(enqueue, "enqueue", lambda *args, **kwargs: None)
    session = EndedSessionFactory()
    AttendedRegistrationFactory.create_batch(5, session=session)

    results = run_at_once(lambda: runs.request_session_issuance(session_id=session.pk), WORKERS)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1
    assert CertificateIssuance.objects.count() == 1
    assert CertificateIssuance.objects.get().items.count() == 5
