"""The training and session forms take the Spanish texts beside the English ones."""

import pytest
from django.test import Client
from django.urls import reverse

from events.models import Notification, Sector, Training
from tests.admin.test_session_admin import form_data
from tests.factories import RegistrationFactory, SessionFactory, TrainingFactory

pytestmark = pytest.mark.django_db


def training_form(**fields) -> dict:
    data = {
        "title": "Spotting Trafficking",
        "title_es": "Cómo reconocer la trata",
        "slug": "spotting-trafficking",
        "summary": "Learn the signs.",
        "summary_es": "Aprenda las señales.",
        "description": "Three hours.",
        "description_es": "Tres horas.",
        "hosts": "DHS Blue Campaign",
        "credit_hours": "3",
        "target_sectors": [Sector.objects.first().pk],
        "evaluation_post_days": "14",
        "certificate_gate": "none",
        "certificate_gate_score": "70",
    }
    data.update(fields)
    return data


def test_the_training_form_saves_the_english_and_the_spanish_texts(admin_client):
    response = admin_client.post(reverse("admin:events_training_add"), training_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    training = Training.objects.get(slug="spotting-trafficking")
    assert (training.title, training.title_es) == (
        "Spotting Trafficking",
        "Cómo reconocer la trata",
    )
    assert (training.summary, training.summary_es) == ("Learn the signs.", "Aprenda las señales.")
    assert (training.description, training.description_es) == ("Three hours.", "Tres horas.")


def test_the_spanish_texts_may_stay_empty(admin_client):
    data = training_form(title_es="", summary_es="", description_es="")
    response = admin_client.post(reverse("admin:events_training_add"), data)
    assert response.status_code == 302
    assert Training.objects.get(slug="spotting-trafficking").title_es == ""


def test_each_spanish_field_follows_its_english_one_with_a_label_that_says_spanish(admin_client):
    form = admin_client.get(reverse("admin:events_training_add")).context["adminform"].form
    names = list(form.fields)
    for field in ("title", "summary", "description"):
        assert names.index(f"{field}_es") == names.index(field) + 1
        assert form.fields[f"{field}_es"].label == f"{form.fields[field].label} in Spanish"
    html = admin_client.get(reverse("admin:events_training_add"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Título en español" in html.content.decode()


def test_the_session_form_saves_venue_notes_and_both_spanish_texts(client_a, session_a):
    # Whole seconds, as the form posts them: the time stays the same.
    session_a.starts_at = session_a.starts_at.replace(microsecond=0)
    session_a.ends_at = session_a.ends_at.replace(microsecond=0)
    session_a.save()
    RegistrationFactory(session=session_a)
    data = form_data(
        session_a,
        what_to_bring="A photo ID",
        what_to_bring_es="Una identificación con foto",
        venue_notes="Park behind the building",
        venue_notes_es="Estacione detrás del edificio",
    )
    url = reverse("admin:events_trainingsession_change", args=[session_a.pk])
    form = client_a.get(url).context["adminform"].form
    names = list(form.fields)
    assert names.index("what_to_bring_es") == names.index("what_to_bring") + 1
    assert names.index("venue_notes_es") == names.index("venue_notes") + 1
    assert client_a.post(url, data).status_code == 302
    session_a.refresh_from_db()
    assert session_a.what_to_bring_es == "Una identificación con foto"
    assert (session_a.venue_notes, session_a.venue_notes_es) == (
        "Park behind the building",
        "Estacione detrás del edificio",
    )
    assert not Notification.objects.filter(kind="session_changed").exists()  # same time, place


def test_a_spanish_text_saved_in_the_admin_reaches_the_stored_spanish_page(
    client_a, session_a, django_capture_on_commit_callbacks
):
    visitor = Client()  # anonymous: served the stored copy
    url = session_a.get_absolute_url()
    assert "Estacione" not in visitor.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            reverse("admin:events_trainingsession_change", args=[session_a.pk]),
            form_data(session_a, venue_notes="Park here", venue_notes_es="Estacione aquí"),
        )
    assert response.status_code == 302
    assert "Estacione aquí" in visitor.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_a_spanish_title_saved_in_the_admin_reaches_the_stored_spanish_pages(
    admin_client, django_capture_on_commit_callbacks
):
    training = TrainingFactory(slug="spotting-trafficking")
    session = SessionFactory(training=training)
    visitor = Client()
    for url in (session.get_absolute_url(), reverse("events:catalog")):
        visitor.get(url, HTTP_ACCEPT_LANGUAGE="es")  # stored
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:events_training_change", args=[training.pk]),
            training_form(title_es="Título nuevo"),
        )
    assert response.status_code == 302
    for url in (session.get_absolute_url(), reverse("events:catalog")):
        assert "Título nuevo" in visitor.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_the_admin_finds_a_training_and_its_sessions_by_the_spanish_title(admin_client):
    training = TrainingFactory(title="Spotting Trafficking", title_es="Cómo reconocer la trata")
    session = SessionFactory(training=training)
    SessionFactory(training=TrainingFactory(title="Another Training", title_es=""))
    found = admin_client.get(reverse("admin:events_training_changelist"), {"q": "reconocer"})
    assert list(found.context["cl"].result_list) == [training]
    found = admin_client.get(reverse("admin:events_trainingsession_changelist"), {"q": "reconocer"})
    assert [s.pk for s in found.context["cl"].result_list] == [session.pk]
