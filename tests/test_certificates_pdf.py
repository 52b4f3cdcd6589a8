"""The certificate PDF (text, QR code, fonts, determinism) and the Open Badges credential."""

import importlib.util
import io
import re

import pytest
import segno
from pypdf import PdfReader
from reportlab.lib.pagesizes import landscape, letter

from events.documents.badges import hashed_email, open_badge_credential
from events.documents.pdf.certificate import TEXT_WIDTH
from events.documents.pdf.fonts import SERIF_BOLD_FACE, register_fonts
from events.documents.pdf.text import fit
from events.documents.pdf.text import width as printed_width
from events.services import certificates as services
from events.services.badges import ensure_status_index
from tests.factories import AttendedRegistrationFactory

pytestmark = pytest.mark.django_db

RUN = re.compile(rb"^(\d+) (\d+) (\d+) 1 re$", re.MULTILINE)


def issued(**registration_fields):
    registration = AttendedRegistrationFactory(**registration_fields)
    return services.issue_certificate(registration_id=registration.pk)


def badge_of(certificate):
    return open_badge_credential(ensure_status_index(certificate=certificate))


def page_of(data: bytes):
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0]


def stored_pdf(certificate) -> bytes:
    with certificate.pdf.open("rb") as stored:
        return stored.read()


@pytest.mark.parametrize("name", ["José Núñez", "Nguyễn Thị Minh", "Zoë O’Brien-Łukasz"])
def test_pdf_text_has_the_name_training_date_hours_and_code(name):
    certificate = issued(full_name=name)
    text = page_of(stored_pdf(certificate)).extract_text()

    assert name in text
    assert "Identifying & Reporting Human Trafficking" in text
    assert certificate.display_code in text
    assert "3 credit hours" in text
    assert "Presented by DHS Blue Campaign" in text
    assert "Pat Example" in text and "Training Coordinator" in text
    local = certificate.session_starts_at.astimezone(certificate.registration.session.tzinfo)
    assert f"{local:%B} {local.day}, {local.year}" in text


def test_pdf_is_letter_landscape_with_embedded_truetype_fonts_only():
    data = stored_pdf(issued())
    page = page_of(data)
    assert (float(page.mediabox.width), float(page.mediabox.height)) == landscape(letter)
    fonts = page["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/TrueType", font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]  # embedded
    assert b"/Helvetica" not in data


def test_qr_code_drawn_on_the_page_encodes_the_absolute_verify_url():
    certificate = issued()
    page = page_of(stored_pdf(certificate))
    expected_url = f"http://testserver/certificates/verify/{certificate.display_code}/"
    assert certificate.get_verify_url() == expected_url

    # Rebuild the module matrix from the vector path on the page and compare it with
    # the QR code of the expected URL.
    expected = segno.make(expected_url, error="m").matrix
    size = len(expected)
    drawn = [[0] * size for _ in range(size)]
    runs = RUN.findall(page.get_contents().get_data())
    assert runs
    for x, y, width in runs:
        for col in range(int(x), int(x) + int(width)):
            drawn[size - 1 - int(y)][col] = 1
    assert drawn == [list(row) for row in expected]
    # The QR area is also a link to the same URL.
    links = [a.get_object()["/A"]["/URI"] for a in page["/Annots"]]
    assert links == [expected_url]


def test_same_snapshot_gives_byte_identical_pdfs():
    certificate = issued()
    assert services.render_pdf(certificate) == services.render_pdf(certificate)
    assert services.render_pdf(certificate) == stored_pdf(certificate)


def test_pdf_is_the_same_whatever_names_were_rendered_before_it():
    first = issued(full_name="Nguyễn Thị Minh")
    before = services.render_pdf(first)
    for name in ("José Núñez", "Zoë O’Brien-Łukasz", "Dana Whitehorse"):
        issued(full_name=name)
    assert services.render_pdf(first) == before
    assert "Nguyễn Thị Minh" in page_of(before).extract_text()


@pytest.mark.parametrize("name", ["Nguyễn Thị Minh", "José Núñez", "Ольга Кузнецова"])
def test_a_name_in_another_script_is_printed_in_an_embedded_font(name):
    page = page_of(stored_pdf(issued(full_name=name)))
    # pypdf reads the name back through the embedded subset's character map.
    assert name in page.extract_text()
    for ref in page["/Resources"]["/Font"].values():
        assert "/FontFile2" in ref.get_object()["/FontDescriptor"]


def test_reportlab_c_accelerator_is_installed():
    # Without it reportlab falls back to pure Python: same bytes, a quarter slower.
    assert importlib.util.find_spec("_rl_accel") is not None


def test_a_200_character_name_is_wrapped_or_shrunk_never_cut():
    name = ("Maria-Guadalupe Nguyễn Thị Minh " * 7)[:200].strip()
    assert len(name) >= 195
    register_fonts()
    size, lines = fit(name, SERIF_BOLD_FACE, largest=32, smallest=14, room=TEXT_WIDTH)
    assert size >= 14
    assert " ".join(lines).split() == name.split()
    assert all(printed_width(line, SERIF_BOLD_FACE, size) <= TEXT_WIDTH for line in lines)

    certificate = issued(full_name=name)
    text = page_of(stored_pdf(certificate)).extract_text()
    assert " ".join(text.split()).count(" ".join(name.split())) == 1


def test_a_200_character_name_without_spaces_is_split_between_characters():
    name = "Ñ" * 200
    register_fonts()
    size, lines = fit(name, SERIF_BOLD_FACE, largest=32, smallest=14, room=TEXT_WIDTH)
    assert "".join(lines) == name
    assert all(printed_width(line, SERIF_BOLD_FACE, size) <= TEXT_WIDTH for line in lines)


def test_open_badge_credential_has_the_required_open_badges_3_fields():
    certificate = issued(email="ana@example.org")
    credential = badge_of(certificate)

    # OpenBadgeCredential (OB 3.0, VC data model 2.0): required properties.
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert credential["id"] == certificate.get_verify_url()
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential["type"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", credential["validFrom"])
    # Profile: id and type.
    issuer = credential["issuer"]
    assert issuer["id"] == "did:web:testserver" and "Profile" in issuer["type"]
    assert issuer["url"] == "http://testserver/"
    assert issuer["name"] == "DHS Blue Campaign"
    # AchievementSubject: type, an identifier (the hashed email) and the achievement.
    subject = credential["credentialSubject"]
    assert "AchievementSubject" in subject["type"]
    (identity,) = subject["identifier"]
    assert identity["type"] == "IdentityObject"
    assert identity["identityType"] == "emailAddress"
    assert identity["hashed"] is True
    assert identity["identityHash"] == hashed_email("ana@example.org", identity["salt"])
    assert "ana@example.org" not in str(credential)
    # Achievement: id, type, name, description and criteria.
    achievement = subject["achievement"]
    assert achievement["id"].startswith("http://testserver/")
    assert "Achievement" in achievement["type"]
    assert achievement["name"] == certificate.training_title
    assert achievement["description"]
    assert achievement["criteria"]["narrative"]
    # Revocation is published in a status list.
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    # No embedded proof: the signed form wraps the credential in a JWS (tests/test_badges.py).
    assert "proof" not in credential


def test_open_badge_identity_hash_is_stable_and_salted_per_certificate():
    first = issued(email="ana@example.org")
    second = issued(email="ana@example.org")
    hash_of = lambda c: badge_of(c)["credentialSubject"]["identifier"][0]  # noqa: E731
    assert hash_of(first) == hash_of(first)
    assert hash_of(first)["identityHash"] != hash_of(second)["identityHash"]


def test_longest_allowed_fields_stay_inside_the_border_and_clear_of_the_signature_block():
    certificate = issued(full_name=("Maria-Guadalupe Nguyễn Thị Minh " * 7)[:200])
    certificate.training_title = ("Identifying & Reporting Human Trafficking, Part " * 5)[:200]
    certificate.place = ("Fargo Civic Center, 207 4th St N, Fargo, ND; " * 10)[:400]
    certificate.hosts = ("DHS Blue Campaign and the Office of Senator Example; " * 6)[:300]
    page = page_of(services.render_pdf(certificate))

    baselines = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            baselines.append((tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=visit)
    width, height = landscape(letter)
    assert all(33 < y < height - 33 for y, _text in baselines)
    # Drawn in order: title ... hosts, then the signature block. Everything before the
    # signatory's name sits above the QR code's top edge (y = 156).
    signature = next(i for i, (_y, text) in enumerate(baselines) if "Pat Example" in text)
    main_block = baselines[:signature]
    assert any("Presented by" in text for _y, text in main_block)
    assert min(y for y, _text in main_block) > 96 + 60
