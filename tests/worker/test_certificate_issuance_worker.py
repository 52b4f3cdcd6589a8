"""Certificate issuance runs through a real Celery worker on Redis.

The request only writes the run; a worker process issues it, and a run whose worker
was killed is finished by the stalled-run scan without issuing anything twice.
"""

import pytest

from events.models import Certificate, CertificateIssuance, Notification
from events.selectors.certificates import issuance_progress
from events.services import certificate_issuance as runs
from tests.factories import AttendedRegistrationFactory, EndedSessionFactory

from .conftest import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def finished(run: CertificateIssuance) -> bool:
    return CertificateIssuance.objects.filter(pk=run.pk, finished_at__isnull=False).exists()


def test_a_run_of_twenty_registrations_completes_through_a_real_worker(workers):
    workers.start()
    session = EndedSessionFactory()
    people = AttendedRegistrationFactory.create_batch(20, session=session)

    (run,) = runs.request_selection_issuance(registration_ids=[p.pk for p in people])

    wait_until(lambda: finished(run), timeout=120, what="the run to finish")
    progress = issuance_progress(run)
    assert (progress.total, progress.issued, progress.pending) == (20, 20, 0)
    assert Certificate.objects.filter(registration__session=session).count() == 20
    assert Notification.objects.filter(kind="certificate").count() == 20


def test_a_run_whose_worker_was_killed_is_finished_by_the_scan_once(workers):
    session = EndedSessionFactory()
    people = AttendedRegistrationFactory.create_batch(120, session=session)
    worker = workers.start()
    (run,) = runs.request_selection_issuance(registration_ids=[p.pk for p in people])
    issued = Certificate.objects.filter(registration__session=session)

    wait_until(lambda: issued.exists(), timeout=60, what="the first certificates")
    workers.kill(worker)
    # The killed worker's message would come back only after Redis's visibility
    # timeout (an hour); the beat scan hands the run to a new worker instead.
    workers.start()
    if not finished(run):
        runs.resume_stalled_issuances(stalled_for_seconds=0)

    wait_until(lambda: finished(run), timeout=120, what="the resumed run to finish")
    assert issued.count() == 120
    assert issuance_progress(run).issued == 120
    assert Notification.objects.filter(kind="certificate").count() == 120
