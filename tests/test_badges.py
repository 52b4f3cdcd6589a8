"""Signed Open Badges 3.0: the VC-JWT, the issuer's keys, the revocation status list.

Signatures are checked here with `cryptography` alone on the compact JWS, and the public
key is taken from the served did.json: a path that shares no code with the signing
(joserfc in events/documents/badges.py). The status list is decoded by hand too.
"""

import base64
import gzip
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from events.checks import badge_signing_key
from events.models import Certificate
from events.selectors.badges import STATUS_LIST_SIZE
from events.services import certificates as services
from events.services.badges import draw_status_index
from tests.factories import AttendedRegistrationFactory

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).parent / "vendor/ob3/ob_v3p0_achievementcredential_schema.json").read_text()
)
JWT_CLAIMS = ("iss", "jti", "nbf")


@pytest.fixture
def key_file(tmp_path, settings) -> Path:
    """A fresh signing key for the test, configured as production would have it."""
    path = tmp_path / "badge-key.pem"
    call_command("create_badge_key", "--output", str(path))
    settings.BADGE_SIGNING_KEY_FILE = str(path)
    return path


@pytest.fixture
def certificate(key_file) -> Certificate:
    registration = AttendedRegistrationFactory(full_name="Ana Ruiz", email="ana@example.org")
    return services.issue_certificate(registration_id=registration.pk)


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def did_document(client) -> dict:
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    return json.loads(response.content)


def verify(token: str, document: dict) -> tuple[dict, dict]:
    """Check an EdDSA compact JWS against the key its kid names in the DID document.

    Raises InvalidSignature when the signature does not match; returns (header, payload).
    """
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64url_decode(header_part))
    assert header["alg"] == "EdDSA"
    assert header["kid"] in document["assertionMethod"]
    (method,) = [m for m in document["verificationMethod"] if m["id"] == header["kid"]]
    jwk = method["publicKeyJwk"]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519") and "d" not in jwk
    public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    public_key.verify(b64url_decode(signature_part), f"{header_part}.{payload_part}".encode())
    return header, json.loads(b64url_decode(payload_part))


def signed_badge(client, certificate) -> str:
    token = certificate.registration.manage_token
    response = client.get(reverse("events:manage_certificate_signed_badge", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    return response.content.decode()


def plain_badge(client, certificate) -> dict:
    token = certificate.registration.manage_token
    response = client.get(reverse("events:manage_certificate_badge", args=[token]))
    assert response.status_code == 200
    return json.loads(response.content)


def status_bit(client, entry: dict) -> int:
    """Fetch the status list an entry names, check its signature, read the entry's bit."""
    response = client.get(urlsplit(entry["statusListCredential"]).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    header, status_list = verify(response.content.decode(), did_document(client))
    assert header["typ"] == "vc+jwt"
    assert "BitstringStatusListCredential" in status_list["type"]
    assert status_list["id"] == entry["statusListCredential"]
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    bits = gzip.decompress(b64url_decode(encoded[1:]))
    assert len(bits) * 8 == STATUS_LIST_SIZE == 131_072
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


# --- The signed credential -----------------------------------------------------------


def test_signed_badge_verifies_with_the_key_published_in_did_json(client, certificate):
    header, payload = verify(signed_badge(client, certificate), did_document(client))

    assert header["typ"] == "JWT"
    assert header["kid"].startswith("did:web:testserver#")
    assert "OpenBadgeCredential" in payload["type"]
    assert payload["issuer"]["id"] == "did:web:testserver" == payload["iss"]
    assert payload["jti"] == payload["id"] == certificate.get_verify_url()
    assert payload["nbf"] == int(certificate.issued_at.timestamp())
    assert payload["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "ana@example.org" not in json.dumps(payload)


def test_signed_badge_carries_the_same_credential_as_the_json_ld_download(client, certificate):
    _header, payload = verify(signed_badge(client, certificate), did_document(client))
    credential = {name: value for name, value in payload.items() if name not in JWT_CLAIMS}
    assert credential == plain_badge(client, certificate)


def test_credential_conforms_to_the_1edtech_open_badges_3_schema(client, certificate):
    validator_class = jsonschema.validators.validator_for(SCHEMA)
    validator_class.check_schema(SCHEMA)
    validator = validator_class(SCHEMA)
    _header, payload = verify(signed_badge(client, certificate), did_document(client))

    validator.validate(payload)
    validator.validate(plain_badge(client, certificate))
    # The schema does reject what OB 3.0 forbids: a credential without an issuer.
    without_issuer = {name: value for name, value in payload.items() if name != "issuer"}
    assert not validator.is_valid(without_issuer)


def test_changing_the_name_in_the_payload_breaks_the_signature(client, certificate):
    header_part, payload_part, signature_part = signed_badge(client, certificate).split(".")
    payload = json.loads(b64url_decode(payload_part))
    payload["credentialSubject"]["achievement"]["name"] = "Advanced Forensic Investigation"
    forged = f"{header_part}.{b64url_encode(json.dumps(payload).encode())}.{signature_part}"

    with pytest.raises(InvalidSignature):
        verify(forged, did_document(client))


def test_a_revoked_certificate_has_no_signed_badge_to_download(client, certificate):
    services.revoke_certificate(registration_id=certificate.registration_id, reason="Error")
    token = certificate.registration.manage_token
    response = client.get(reverse("events:manage_certificate_signed_badge", args=[token]))
    assert response.status_code == 404


def test_manage_page_offers_the_signed_badge(client, certificate):
    token = certificate.registration.manage_token
    body = client.get(reverse("events:manage", args=[token])).content.decode()
    assert reverse("events:manage_certificate_signed_badge", args=[token]) in body


def test_verify_page_points_to_the_published_keys(client, certificate):
    response = client.get(reverse("events:certificate_verify", args=[certificate.display_code]))
    assert reverse("events:badge_did_document") in response.content.decode()


# --- The issuer's DID document --------------------------------------------------------


def test_did_web_encodes_the_port_of_site_url(client, settings, key_file):
    settings.SITE_URL = "http://127.0.0.1:8000"
    document = did_document(client)
    assert document["id"] == "did:web:127.0.0.1%3A8000"
    (method,) = document["verificationMethod"]
    assert method["type"] == "JsonWebKey2020"
    assert method["controller"] == document["id"]
    assert method["id"].startswith("did:web:127.0.0.1%3A8000#")
    assert set(method["publicKeyJwk"]) == {"kty", "crv", "x"}


def test_did_json_and_status_lists_can_be_read_by_wallets_in_a_browser(client, key_file):
    for path in ("/.well-known/did.json", reverse("events:badge_status_list", args=[0])):
        response = client.get(path)
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "public" in response["Cache-Control"]


def test_old_credentials_still_verify_after_a_key_rotation(client, settings, tmp_path, key_file):
    certificate = services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    old_token = signed_badge(client, certificate)
    old_kid = verify(old_token, did_document(client))[0]["kid"]

    # The rotation as docs/operators.md describes it: a new key, the old one's public half
    # appended to the retired keys, the old private key gone.
    retired = tmp_path / "retired.pem"
    public_pem = subprocess.run(
        [sys.executable, "manage.py", "create_badge_key", "--public-of", str(key_file)],
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DJANGO_ENV": "test"},
    ).stdout
    retired.write_text(public_pem)
    key_file.unlink()
    new_key = tmp_path / "new-key.pem"
    call_command("create_badge_key", "--output", str(new_key))
    settings.BADGE_SIGNING_KEY_FILE = str(new_key)
    settings.BADGE_RETIRED_KEYS_FILE = str(retired)

    document = did_document(client)
    assert len(document["verificationMethod"]) == 2
    verify(old_token, document)
    new_header, _payload = verify(signed_badge(client, certificate), document)
    assert new_header["kid"] != old_kid


# --- The revocation status list -------------------------------------------------------


def test_revoked_certificates_bit_is_set_and_a_valid_ones_is_not(
    client, key_file, django_capture_on_commit_callbacks
):
    valid = services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    revoked = services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    valid_entry = plain_badge(client, valid)["credentialStatus"]
    _header, payload = verify(signed_badge(client, revoked), did_document(client))
    revoked_entry = payload["credentialStatus"]
    assert status_bit(client, revoked_entry) == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_certificate(registration_id=revoked.registration_id, reason="Not attended")

    # Shown at once, though the list was stored a moment ago.
    assert status_bit(client, revoked_entry) == 1
    assert status_bit(client, valid_entry) == 0
    assert revoked_entry["type"] == "BitstringStatusListEntry"
    assert revoked_entry["statusPurpose"] == "revocation"
    assert revoked_entry["statusListIndex"] != valid_entry["statusListIndex"]


def test_a_reissued_certificate_is_no_longer_marked_revoked(
    client, certificate, django_capture_on_commit_callbacks
):
    entry = plain_badge(client, certificate)["credentialStatus"]
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_certificate(registration_id=certificate.registration_id, reason="Typo")
    assert status_bit(client, entry) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.reissue_certificate(registration_id=certificate.registration_id)
    assert status_bit(client, entry) == 0


def test_status_list_is_computed_in_one_query(client, certificate, django_assert_num_queries):
    path = reverse("events:badge_status_list", args=[0])
    with django_assert_num_queries(1):
        assert client.get(path).status_code == 200
    with django_assert_num_queries(0):  # stored briefly
        assert client.get(path).status_code == 200


def test_status_index_is_drawn_once_and_kept(client, certificate):
    first = plain_badge(client, certificate)["credentialStatus"]
    _header, payload = verify(signed_badge(client, certificate), did_document(client))
    assert payload["credentialStatus"] == first
    certificate.refresh_from_db()
    assert str(certificate.status_list_index) == first["statusListIndex"]


def test_draws_avoid_taken_indexes_and_open_a_new_list_when_half_full():
    half = STATUS_LIST_SIZE // 2
    taken = set(range(1, half))  # all but one of the first half of list 0
    assert all(draw_status_index(taken) not in taken for _ in range(200))
    assert all(draw_status_index(taken) < STATUS_LIST_SIZE for _ in range(200))
    taken.add(0)  # list 0 is now half full: draws move to list 1
    assert all(
        STATUS_LIST_SIZE <= draw_status_index(taken) < 2 * STATUS_LIST_SIZE for _ in range(200)
    )


def test_an_unknown_status_list_is_a_404(client, key_file):
    assert client.get("/badges/status/99999.jwt").status_code == 404
    assert client.get("/badges/status/abc.jwt").status_code == 404


# --- Keys: production, the create command, bad configuration -------------------------


def test_production_without_a_key_fails_check_deploy():
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_ENV": "production",
        "SECRET_KEY": "test-" + "x" * 60,
        "ALLOWED_HOSTS": "trainings.example.org",
        "SITE_URL": "https://trainings.example.org",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        env=environment,
    )
    assert result.returncode != 0
    assert "badges.E001" in result.stderr
    assert "BADGE_SIGNING_KEY_FILE" in result.stderr


def test_production_without_a_key_refuses_to_sign(client, settings):
    certificate = services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    settings.PRODUCTION = True
    settings.BADGE_SIGNING_KEY = settings.BADGE_SIGNING_KEY_FILE = ""
    token = certificate.registration.manage_token

    response = client.get(reverse("events:manage_certificate_signed_badge", args=[token]))
    assert response.status_code == 503
    assert b"not set up" in response.content
    assert client.get("/.well-known/did.json").status_code == 503
    assert [error.id for error in badge_signing_key(None)] == ["badges.E001"]


def test_create_badge_key_writes_a_private_key_file_and_never_overwrites(tmp_path, settings):
    path = tmp_path / "key.pem"
    call_command("create_badge_key", "--output", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_bytes()
    assert written.startswith(b"-----BEGIN PRIVATE KEY-----")

    with pytest.raises(CommandError, match="already exists"):
        call_command("create_badge_key", "--output", str(path))
    assert path.read_bytes() == written

    settings.PRODUCTION = True
    settings.BADGE_SIGNING_KEY_FILE = str(path)
    assert badge_signing_key(None) == []


def test_a_key_from_the_environment_works_as_well_as_a_file(client, settings, key_file):
    settings.BADGE_SIGNING_KEY = key_file.read_text()
    settings.BADGE_SIGNING_KEY_FILE = ""
    certificate = services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    verify(signed_badge(client, certificate), did_document(client))


def test_a_key_that_is_not_ed25519_is_reported_by_the_check(tmp_path, settings):
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    settings.BADGE_SIGNING_KEY_FILE = str(not_a_key)
    assert [error.id for error in badge_signing_key(None)] == ["badges.E002"]
    settings.BADGE_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    assert [error.id for error in badge_signing_key(None)] == ["badges.E002"]
