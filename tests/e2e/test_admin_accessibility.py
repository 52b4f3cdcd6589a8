"""axe-core on the organizers' main admin pages: no serious or critical violation."""

import pytest
from django.urls import reverse

from tests.browser import axe_violations
from tests.factories import (
    NotificationFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERIOUS = ("(serious)", "(critical)")


def test_the_main_admin_pages_have_no_serious_violations(page, live_server, client):
    session = SessionFactory()
    RegistrationFactory(session=session)
    RegistrationFactory(session=session, cancelled=True)
    NotificationFactory(
        registration=RegistrationFactory(session=session),
        status="failed",
        last_error="SMTPServerDisconnected: Connection unexpectedly closed while sending",
    )
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    paths = [
        reverse("admin:index"),
        reverse("admin:events_trainingsession_changelist"),
        reverse("admin:events_trainingsession_change", args=[session.pk]),
        reverse("admin:events_trainingsession_add"),
        reverse("admin:events_training_change", args=[session.training.pk]),
        reverse("admin:events_training_add"),
        reverse("admin:events_registration_changelist"),
        reverse("admin:events_registration_changelist") + f"?session__id__exact={session.pk}",
        reverse("admin:events_registration_changelist") + "?status__exact=all",
        reverse("admin:events_trainingsession_changelist") + "?when=past",
        reverse("admin:events_certificate_changelist"),
        reverse("admin:events_certificate_issuance"),
        reverse("admin:events_notification_changelist"),
        reverse("admin:events_impact_report"),
        reverse("admin:events_session_evaluation", args=[session.pk]),
    ]
    found = {}
    for path in paths:
        page.goto(path)
        problems = [v for v in axe_violations(page) if v.split(": ")[0].endswith(SERIOUS)]
        if problems:
            found[path] = problems
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
