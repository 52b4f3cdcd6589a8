import sys

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from events.models.addresses import address_proof, normalize_email_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Ana Ruiz",
    "email": "Ana@Example.org",
    "organization": "Clinic",
    "password1": "a-long-passphrase-42",
    "password2": "a-long-passphrase-42",
}


def test_sign_up_stores_lowercase_email_and_sends_confirmation(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get()
    assert user.email == "ana@example.org"
    assert user.check_password(SIGNUP["password1"])
    assert user.email_verified_at is None
    assert "Confirm your email" in mail.outbox[0].subject


def test_sign_up_with_existing_email_answers_the_same_and_tells_the_owner(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response["Location"] == reverse("accounts:signup_done")
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password("correct-horse-battery")  # nothing changed
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "tried to create an account" in mail.outbox[0].subject


def test_weak_password_and_malformed_email_are_form_errors(client):
    data = {**SIGNUP, "email": "not-an-email", "password1": "123", "password2": "123"}
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "email" in form.errors and "password1" in form.errors


def test_login_is_case_insensitive(client):
    UserFactory(email="ana@example.org")
    response = client.post(
        reverse("accounts:login"),
        {"username": "ANA@example.org", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302


def test_admin_login_takes_the_email_in_any_case_but_only_from_staff(client):
    UserFactory(email="ana@example.org", is_staff=False)
    UserFactory(email="org@example.org", is_staff=True)
    login = reverse("admin:login")
    refused = client.post(
        login, {"username": "ana@example.org", "password": "correct-horse-battery"}
    )
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    admitted = client.post(
        login, {"username": "ORG@example.org", "password": "correct-horse-battery"}
    )
    assert admitted.status_code == 302


def test_email_verification_link_marks_address_verified(client):

    user = UserFactory(email_verified_at=None)
    token = address_proof(user_id=user.pk, email=user.email)
    client.get(reverse("accounts:verify_email", args=[token]))
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_tampered_verification_link_is_refused(client):
    response = client.get(reverse("accounts:verify_email", args=["nonsense"]))
    assert response.status_code == 400


def test_password_reset_answers_the_same_for_unknown_email(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_reset"), {"email": "KNOWN@example.org"})
        unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [["known@example.org"]]


@pytest.mark.parametrize("language", ["en", "es"])
def test_account_emails_tell_how_to_report_in_the_visitors_language(
    client, django_capture_on_commit_callbacks, language
):
    from tests.test_emails import HOW_TO_REPORT

    UserFactory(email="ana@example.org")
    client.cookies["django_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), {**SIGNUP, "email": "new@example.org"})
        client.post(reverse("accounts:signup"), SIGNUP)  # the address has an account
        client.post(reverse("accounts:password_reset"), {"email": "ana@example.org"})
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        missing = [line for line in HOW_TO_REPORT[language] if line not in message.body]
        assert not missing, (message.subject, missing)


def test_normalizing_an_address_never_makes_it_longer():
    # Checked over every letter Python lower-cases into more than one character, so a
    # new one in a later Unicode version fails here rather than in a column.
    lengthened = [chr(c) for c in range(sys.maxunicode + 1) if len(chr(c).lower()) > 1]
    assert lengthened
    assert all(len(normalize_email_address(letter)) == 1 for letter in lengthened)


@pytest.mark.django_db
def test_the_sign_up_and_profile_forms_name_sectors_in_the_readers_language(client):
    from django.urls import reverse

    from events.models import Sector

    sector = Sector.objects.filter(active=True).exclude(name_es="").first()
    page = client.get(reverse("accounts:signup"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f">{sector.name_es}</option>" in page
    assert f">{sector.name}</option>" not in page
