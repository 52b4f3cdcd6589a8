"""An organizer issues certificates from the roster and follows the run's progress page."""

import os

import pytest
from django.urls import reverse

from events.models import Certificate, CertificateIssuance, CertificateIssuanceItem
from tests.browser import axe_violations
from tests.factories import (
    AttendedRegistrationFactory,
    EndedSessionFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERIOUS = ("(serious)", "(critical)")
PHONE = {"width": 390, "height": 844}
# Set to a folder to keep the screenshots (e.g. SHOTS=/tmp/shots).
SHOTS = os.environ.get("SHOTS", "")


def _signed_in(page, live_server, client, session):
    organizer = ScopedOrganizerFactory(organizes=[session])
    client.force_login(organizer)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return organizer


def _shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _serious(page) -> list[str]:
    return [v for v in axe_violations(page) if v.split(": ")[0].endswith(SERIOUS)]


def test_the_roster_action_links_the_run_whose_page_shows_what_was_issued(
    page, live_server, client
):
    session = EndedSessionFactory()
    people = AttendedRegistrationFactory.create_batch(3, session=session)
    RegistrationFactory(session=session)  # not marked attended: refused
    _signed_in(page, live_server, client, session)

    page.goto(reverse("admin:events_registration_changelist") + f"?session__id__exact={session.pk}")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("issue_certificates")
    page.get_by_role("button", name="Go").click()
    # Tests run tasks eagerly: the run finished when the action's transaction committed.
    page.get_by_role("link", name="Certificate issuance #").click()

    page.get_by_text("3 of 4 certificates issued.").wait_for()
    assert "The attendee is not marked as attended." in page.content()
    assert Certificate.objects.count() == len(people)
    _shoot(page, "run-done-1280")
    assert _serious(page) == []


def test_a_running_run_updates_itself_fits_a_phone_and_passes_axe(page, live_server, client):
    session = EndedSessionFactory()
    people = AttendedRegistrationFactory.create_batch(4, session=session)
    organizer = _signed_in(page, live_server, client, session)
    run = CertificateIssuance.objects.create(
        session=session, scope=CertificateIssuance.Scope.SESSION, requested_by=organizer
    )
    CertificateIssuanceItem.objects.bulk_create(
        CertificateIssuanceItem(issuance=run, registration=p, outcome=outcome, reason=reason)
        for p, outcome, reason in [
            (people[0], "issued", ""),
            (people[1], "refused", "The attendee is not marked as attended."),
            (people[2], "pending", ""),
            (people[3], "pending", ""),
        ]
    )
    path = reverse("admin:events_certificate_issuance_run", args=[run.pk])

    page.goto(path)
    page.get_by_text("1 of 4 certificates issued.").wait_for()
    _shoot(page, "run-in-progress-1280")
    assert _serious(page) == []
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shoot(page, "run-in-progress-390")

    # The worker moves on: the figures follow without a reload, and stop when done.
    run.items.filter(outcome="pending").update(outcome="issued")
    run.finished_at = run.created_at
    run.save()
    page.get_by_text("3 of 4 certificates issued.").wait_for(timeout=10_000)
    page.get_by_text("Done.").wait_for()
    assert page.locator("#issuance-run[data-running=false]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shoot(page, "run-done-390")
    assert _serious(page) == []
