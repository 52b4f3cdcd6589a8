"""Certificate pages: public verification, downloads and who may have them, the admin."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from events.models import Certificate
from events.services import certificates as services
from tests.factories import (
    AttendedRegistrationFactory,
    OrganizerFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate() -> Certificate:
    registration = AttendedRegistrationFactory(
        full_name="Nguyễn Thị Minh", email="minh@example.org", organization="Fargo Clinic"
    )
    return services.issue_certificate(registration_id=registration.pk)


def verify_path(code: str) -> str:
    return reverse("events:certificate_verify", args=[code])


def download_path(certificate) -> str:
    return reverse("events:certificate_download", args=[certificate.display_code])


def manage_pdf_path(certificate) -> str:
    return reverse("events:manage_certificate", args=[certificate.registration.manage_token])


def revoke(certificate) -> Certificate:
    return services.revoke_certificate(
        registration_id=certificate.registration_id, reason="Issued in error"
    )


# --- Verification -------------------------------------------------------------------


def test_verify_page_shows_valid_name_training_date_and_issuer_and_nothing_more(
    client, certificate
):
    response = client.get(verify_path(certificate.display_code))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Valid certificate" in body
    assert "Nguyễn Thị Minh" in body
    assert "Identifying &amp; Reporting Human Trafficking" in body
    assert "DHS Blue Campaign" in body
    local = certificate.session_starts_at.astimezone(certificate.registration.session.tzinfo)
    assert f"{local:%B} {local.day}, {local.year}" in body
    assert "minh@example.org" not in body
    assert "Fargo Clinic" not in body
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.display_code.lower(),
        lambda c: c.code,
        lambda c: " ".join(c.display_code.split("-")),
        lambda c: c.code[:6].lower() + "--" + c.code[6:],
    ],
)
def test_codes_match_case_insensitively_ignoring_dashes_and_spaces(client, certificate, typed):
    response = client.get(verify_path(typed(certificate)))
    assert response.status_code == 200
    assert "Valid certificate" in response.content.decode()


@pytest.mark.parametrize(
    "code",
    [
        "7KQ4-M2XD-9RTF-ABCD",
        "not-a-code",
        "0000-0000-0000-0000",
        "A" * 3000,
        "%00",
        "ÄÖÜ",
        "7KQ4/M2XD/9RTF",
    ],
)
def test_malformed_unknown_or_overlong_codes_get_a_404_with_the_lookup_form(client, code, db):
    response = client.get(verify_path(code))
    assert response.status_code == 404
    body = response.content.decode()
    assert "No certificate has this code" in body
    assert 'name="code"' in body


def test_revoked_certificate_verify_page_says_revoked_with_the_date(
    client, certificate, time_machine
):
    # 03:00 UTC is still the evening before in Fargo: the page gives the local date.
    time_machine.move_to(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), tick=False)
    certificate = revoke(certificate)
    response = client.get(verify_path(certificate.display_code))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Revoked" in body and "Valid certificate" not in body
    assert "November 30, 2026" in body
    assert "Issued in error" not in body


def test_lookup_form_redirects_a_typed_code_to_its_verify_page(client, certificate):
    url = reverse("events:certificate_verify_lookup")
    assert client.get(url).status_code == 200
    response = client.get(url, {"code": certificate.display_code.lower().replace("-", " ")})
    assert response.status_code == 302
    assert response["Location"] == verify_path(certificate.display_code)


def test_lookup_form_with_an_unknown_code_answers_404_with_the_form(client, db):
    response = client.get(reverse("events:certificate_verify_lookup"), {"code": "X" * 500})
    assert response.status_code == 404
    assert 'name="code"' in response.content.decode()


def test_every_page_links_to_the_certificate_lookup(client, db):
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("events:certificate_verify_lookup")}"' in body
    assert "Verify a certificate" in body


# --- Downloads ------------------------------------------------------------------------


def test_attendee_downloads_the_pdf_from_the_manage_link(client, certificate):
    response = client.get(manage_pdf_path(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == certificate.pdf.open("rb").read()
    assert certificate.display_code in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_manage_page_offers_pdf_open_badge_and_verify_links(client, certificate):
    token = certificate.registration.manage_token
    body = client.get(reverse("events:manage", args=[token])).content.decode()
    assert reverse("events:manage_certificate", args=[token]) in body
    assert reverse("events:manage_certificate_badge", args=[token]) in body
    assert verify_path(certificate.display_code) in body


def test_manage_page_badge_download_is_open_badge_json_ld(client, certificate):
    token = certificate.registration.manage_token
    response = client.get(reverse("events:manage_certificate_badge", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    credential = json.loads(response.content)
    assert "OpenBadgeCredential" in credential["type"]
    assert "minh@example.org" not in response.content.decode()


def test_wrong_manage_token_or_no_certificate_is_a_404(client, certificate):
    assert client.get(reverse("events:manage_certificate", args=["x" * 40])).status_code == 404
    pending = AttendedRegistrationFactory()
    path = reverse("events:manage_certificate", args=[pending.manage_token])
    assert client.get(path).status_code == 404


def test_revoked_certificate_cannot_be_downloaded_anywhere(client, certificate):
    certificate = revoke(certificate)
    token = certificate.registration.manage_token
    assert client.get(manage_pdf_path(certificate)).status_code == 404
    assert client.get(reverse("events:manage_certificate_badge", args=[token])).status_code == 404
    client.force_login(certificate.registration.user or UserFactory(email="minh@example.org"))
    assert client.get(download_path(certificate)).status_code == 404


def test_anonymous_visitor_gets_a_404_for_a_code_download(client, certificate):
    assert client.get(download_path(certificate)).status_code == 404


def test_another_signed_in_user_gets_a_404(client, certificate):
    client.force_login(UserFactory())
    assert client.get(download_path(certificate)).status_code == 404


def test_owner_by_account_downloads_from_my_trainings(client, certificate):
    user = UserFactory(email="someone-else@example.org")
    certificate.registration.user = user
    certificate.registration.save()
    client.force_login(user)

    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert download_path(certificate) in dashboard
    response = client.get(download_path(certificate))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_owner_by_verified_email_downloads_but_unverified_email_does_not(client, certificate):
    user = UserFactory(email="minh@example.org", email_verified_at=None)
    client.force_login(user)
    assert client.get(download_path(certificate)).status_code == 404
    user.email_verified_at = certificate.issued_at
    user.save()
    assert client.get(download_path(certificate)).status_code == 200


def test_organizer_of_the_session_downloads_but_organizer_of_another_does_not(client, certificate):
    own = OrganizerFactory()
    certificate.registration.session.organizers.add(own)
    other = OrganizerFactory()
    SessionFactory().organizers.add(other)

    client.force_login(other)
    assert client.get(download_path(certificate)).status_code == 404
    client.force_login(own)
    assert client.get(download_path(certificate)).status_code == 200


def test_certificate_urls_carry_no_ids(certificate):
    for path in (
        download_path(certificate),
        manage_pdf_path(certificate),
        verify_path(certificate.display_code),
    ):
        assert f"/{certificate.pk}/" not in path
        assert f"/{certificate.registration_id}/" not in path
    assert download_path(certificate) == f"/certificates/{certificate.display_code}/download/"


# --- Admin ----------------------------------------------------------------------------


def test_admin_issuance_page_shows_progress_and_issues_what_is_owed(
    admin_client, django_capture_on_commit_callbacks
):
    registrations = AttendedRegistrationFactory.create_batch(3)
    session = registrations[0].session
    for registration in registrations[1:]:
        registration.session = session
        registration.save()
    services.issue_certificate(registration_id=registrations[0].pk)
    page = reverse("admin:events_certificate_issuance")

    assert "1 / 3" in admin_client.get(page).content.decode()
    start = reverse("admin:events_certificate_issuance_start", args=[session.public_id])
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        admin_client.post(start)
    assert enqueued, "the run goes to the pdf queue after the commit"
    with_run = admin_client.get(page)

    assert "3 / 3" in with_run.content.decode()
    assert Certificate.objects.filter(registration__session=session).count() == 3


def test_admin_issuance_before_the_session_ends_is_refused_with_the_reason(admin_client):
    session = SessionFactory()
    start = reverse("admin:events_certificate_issuance_start", args=[session.public_id])
    response = admin_client.post(start, follow=True)
    assert "The session has not ended yet." in response.content.decode()
    assert not Certificate.objects.exists()


def test_admin_revoke_action_asks_for_a_reason_then_revokes(admin_client, certificate):
    changelist = reverse("admin:events_certificate_changelist")
    selection = {"action": "revoke_selected", "_selected_action": [certificate.pk]}
    confirm = admin_client.post(changelist, selection)
    assert confirm.status_code == 200
    assert 'name="reason"' in confirm.content.decode()

    admin_client.post(changelist, {**selection, "reason": "Duplicate record"})
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Duplicate record"


def test_admin_search_finds_a_certificate_by_its_typed_code(admin_client, certificate):
    AttendedRegistrationFactory()  # a second row that must not match
    changelist = reverse("admin:events_certificate_changelist")
    response = admin_client.get(changelist, {"q": certificate.display_code.lower()})
    assert response.context["cl"].result_count == 1


def test_admin_issuance_page_runs_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    for _ in range(5):
        services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:events_certificate_issuance"))
    assert response.content.decode().count("1 / 1") == 5


def test_admin_certificate_page_is_read_only_and_links_the_pdf(admin_client, certificate):
    response = admin_client.get(reverse("admin:events_certificate_change", args=[certificate.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert download_path(certificate) in body
    assert 'name="name_printed"' not in body  # a record, not a form
    assert admin_client.get(reverse("admin:events_certificate_add")).status_code == 403


def test_organizer_sees_only_certificates_of_sessions_they_organize(client, certificate):
    from django.contrib.auth.models import Permission

    other = services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    organizer = OrganizerFactory()
    organizer.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    certificate.registration.session.organizers.add(organizer)
    client.force_login(organizer)

    response = client.get(reverse("admin:events_certificate_changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [certificate.pk]
    page = reverse("admin:events_certificate_change", args=[other.pk])
    assert client.get(page).status_code == 404
