"""Account emails go through the outbox like every other: a row each, sent once, with an
HTML part, a Message-ID, Auto-Submitted, in the visitor's language, and no secret kept."""

import email
from email import policy

import pytest
from django.core import mail
from django.urls import reverse

from events.models import Notification
from events.models.notifications import ACCOUNT_KINDS
from events.services.notifications import queue_account_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def _sent(kind: str, *, language: str = "en", user=None, capture=None):
    user = user or UserFactory(full_name="Ana Ruiz")
    with capture(execute=True):
        notification = queue_account_email(user=user, kind=kind, language=language)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    (message,) = mail.outbox
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    return notification, parsed


def _parts(parsed) -> tuple[str, str]:
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_the_account_kinds_are_the_ones_the_model_constrains():
    assert set(ACCOUNT_KINDS) == {Kind.VERIFY_EMAIL, Kind.ACCOUNT_EXISTS, Kind.PASSWORD_RESET}


@pytest.mark.parametrize("kind", ACCOUNT_KINDS)
def test_each_account_email_has_both_parts_a_message_id_and_auto_submitted(
    kind, django_capture_on_commit_callbacks
):
    notification, parsed = _sent(kind, capture=django_capture_on_commit_callbacks)
    text, html = _parts(parsed)
    assert parsed["Subject"]
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"].startswith(f"<outbox-{notification.pk}-{kind}@")
    assert "List-Unsubscribe" not in parsed
    assert "Ana Ruiz" in text and "Ana Ruiz" in html
    assert "<html" in html and "1-888-373-7888" in text


@pytest.mark.parametrize("kind", ACCOUNT_KINDS)
def test_account_emails_are_written_in_the_language_the_visitor_asked_in(
    kind, django_capture_on_commit_callbacks
):
    _notification, parsed = _sent(kind, language="es", capture=django_capture_on_commit_callbacks)
    text, html = _parts(parsed)
    assert "Hola, Ana Ruiz" in text
    assert 'lang="es"' in html
    for part in (text, html):
        assert "200 idiomas" in part and "1-888-373-7888" in part


def test_the_confirmation_link_proves_the_address_and_no_proof_is_stored(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email_verified_at=None)
    notification, parsed = _sent(
        Kind.VERIFY_EMAIL, user=user, capture=django_capture_on_commit_callbacks
    )
    text, _html = _parts(parsed)
    link = next(word for word in text.split() if "/accounts/verify/" in word)
    assert notification.payload == {"language": "en"}
    client.get(link.removeprefix("http://testserver"))
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_the_reset_link_opens_the_new_password_form_and_no_token_is_stored(
    client, django_capture_on_commit_callbacks
):
    notification, parsed = _sent(Kind.PASSWORD_RESET, capture=django_capture_on_commit_callbacks)
    text, _html = _parts(parsed)
    link = next(word for word in text.split() if "/reset/" in word)
    assert notification.payload == {"language": "en"}
    response = client.get(link.removeprefix("http://testserver"), follow=True)
    assert response.status_code == 200
    assert "new_password1" in response.content.decode()


def test_asking_twice_sends_two_emails_each_once(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_account_email(user=user, kind=Kind.PASSWORD_RESET, language="en")
        second = queue_account_email(user=user, kind=Kind.PASSWORD_RESET, language="en")
    assert (first.variant, second.variant) == ("1", "2")
    assert len(mail.outbox) == 2


def test_the_password_reset_page_queues_the_email_in_the_outbox(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "ANA@example.org"})
    row = Notification.objects.get(user=user)
    assert (row.kind, row.status) == (Kind.PASSWORD_RESET, Notification.Status.SENT)
    assert len(mail.outbox) == 1
