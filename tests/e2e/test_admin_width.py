"""On a 390 px phone no admin page of the events app scrolls sideways: wide change
lists scroll inside their own box, the page itself never does."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import AttendedRegistrationFactory, EndedSessionFactory
from tests.security.access_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _log_in(page, client, live_server, user) -> None:
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def events_admin_pages(world) -> list[str]:
    """The index, every events change list and one change form of each, and the
    organizers' own pages (impact report, evaluation results, certificate issuance)."""
    objects = {
        "trainingsession": world.session,
        "training": world.session.training,
        "sector": world.sector,
        "registration": world.registration,
        "certificate": world.certificate,
        "notification": world.notification,
        "auditentry": world.audit,
        "questionnaire": world.questionnaire,
        "question": world.question,
        "gateoverride": world.gate_override,
    }
    paths = [reverse("admin:index"), reverse("admin:app_list", args=["events"])]
    for model in apps.get_app_config("events").get_models():
        if not admin.site.is_registered(model):
            continue
        name = model._meta.model_name
        paths.append(reverse(f"admin:events_{name}_changelist"))
        if name in objects:
            paths.append(reverse(f"admin:events_{name}_change", args=[objects[name].pk]))
    return [
        *paths,
        reverse("admin:events_trainingsession_add"),
        reverse("admin:events_registration_changelist") + f"?session__id__exact={world.session.pk}",
        reverse("admin:events_impact_report"),
        reverse("admin:events_session_evaluation", args=[world.session.pk]),
        reverse("admin:events_training_evaluation", args=[world.session.training_id]),
        reverse("admin:events_certificate_issuance"),
    ]


def test_every_events_admin_page_fits_a_phone(page, live_server, client):
    world = build_world()
    ended = EndedSessionFactory(city="Grand Forks")
    AttendedRegistrationFactory(session=ended, full_name="Bartholomew Worthington-Smythe")
    page.set_viewport_size(PHONE)
    _log_in(page, client, live_server, world.users["superuser"])
    widths = {}
    for path in events_admin_pages(world):
        response = page.goto(path)
        assert response.status == 200, path
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    too_wide = {path: width for path, width in widths.items() if width > PHONE["width"]}
    assert not too_wide, too_wide


def test_the_organizers_admin_index_fits_a_phone(page, live_server, client):
    world = build_world()
    page.set_viewport_size(PHONE)
    _log_in(page, client, live_server, world.users["organizer"])
    page.goto(reverse("admin:index"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
