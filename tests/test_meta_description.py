"""Every public page says what it is in one meta description (search results, link
previews), in the page's language."""

import re

import pytest
from django.urls import reverse

from tests.factories import RegistrationFactory, SessionFactory, TrainingFactory

pytestmark = pytest.mark.django_db

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


def descriptions(client, url, **headers) -> list[str]:
    response = client.get(url, **headers)
    assert response.status_code in (200, 404), url
    return DESCRIPTION.findall(response.content.decode())


def test_every_public_page_has_one_description(client):
    registration = RegistrationFactory()
    urls = [
        reverse("home"),
        reverse("events:catalog"),
        reverse("events:session_detail", args=[registration.session.public_id]),
        reverse("events:manage", args=[registration.manage_token]),
        reverse("events:resend_manage_link"),
        reverse("events:certificate_verify_lookup"),
        reverse("privacy"),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        "/no-such-page/",
    ]
    for url in urls:
        found = descriptions(client, url)
        assert len(found) == 1, url
        assert len(found[0]) > 40, (url, found)


def test_a_session_page_describes_its_session_in_the_visitors_language(client):
    training = TrainingFactory(summary="Spot the signs of labor trafficking.", summary_es="")
    session = SessionFactory(training=training, city="Minot")
    url = reverse("events:session_detail", args=[session.public_id])
    [english] = descriptions(client, url)
    assert "Minot" in english and "Spot the signs of labor trafficking." in english
    untitled = SessionFactory(training=TrainingFactory(summary=""), city="Fargo")
    url = reverse("events:session_detail", args=[untitled.public_id])
    [spanish] = descriptions(client, url, HTTP_ACCEPT_LANGUAGE="es")
    assert "capacitación comunitaria gratuita" in spanish
