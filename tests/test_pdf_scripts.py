"""Every name prints: certificates and sign-in sheets in any script, read back by pdftotext.

pdftotext puts right-to-left text back in reading order. Arabic comes back as the
presentation forms of the shaped glyphs (the letters' joined forms), which NFKC maps to
the letters that were typed, so every comparison is made after NFKC.
"""

import io
import re
import subprocess
import unicodedata
from html import unescape

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import landscape, letter

from events.documents.pdf import certificate as layout
from events.documents.pdf.signin import render_signin_sheet
from events.documents.qr import QUIET_ZONE, qr_code
from events.services import certificates as services
from tests.factories import AttendedRegistrationFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

NAMES = {
    "vietnamese": "Nguyễn Thị Minh",
    "latin": "José Núñez",
    "arabic": "محمد عبد الله",
    "hebrew": "שרה כהן",
    "chinese": "李小龍 Bruce Lee",
    "japanese": "山田 花子",
    "korean": "김민준",
    "fullwidth": "ＦＵＬＬＷＩＤＴＨ",
}
LONG_NAMES = {
    "latin": "Maria-Guadalupe Nguyễn Thị Minh ",
    "arabic": "فاطمة الزهراء بنت محمد ",
    "hebrew": "אברהם בן יצחק הכהן ",
    "chinese": "欧阳娜娜",
    "korean": "김민준 박서연 ",
    "fullwidth": "ＦＵＬＬＷＩＤＴＨ ",
}
NOT_NAME = {"Certificate", "of", "Attendance", "This", "certifies", "that"}
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def normalized(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def pdftotext(data: bytes, *args: str) -> str:
    result = subprocess.run(
        ["pdftotext", *args, "-", "-"], input=data, capture_output=True, check=True
    )
    # Drop the embedding marks (RLE/PDF) that pdftotext puts around right-to-left lines.
    return re.sub("[\u202a-\u202e]", "", result.stdout.decode())


def words(data: bytes) -> list[tuple[float, float, float, float, str]]:
    """Each word's box (x0, top, x1, bottom, in points from the top left) and text."""
    found = WORD.findall(pdftotext(data, "-bbox"))
    return [(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in found]


def certificate_pdf(name: str, **fields) -> bytes:
    registration = AttendedRegistrationFactory(full_name=name, **fields)
    certificate = services.issue_certificate(registration_id=registration.pk)
    return services.render_pdf(certificate)


def signin_pdf(*names: str) -> bytes:
    session = SessionFactory()
    for name in names:
        RegistrationFactory(session=session, full_name=name, organization="Sanford")
    return render_signin_sheet(session)


def assert_only_embedded_subsets(data: bytes) -> None:
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert font["/Subtype"] == "/TrueType", font["/BaseFont"]
            # reportlab names each subset "AAAAAA+Font"; the file is in the PDF.
            assert re.fullmatch(r"/[A-Z]{6}\+.+", font["/BaseFont"]), font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
    assert b"/Helvetica" not in data


@pytest.mark.parametrize("script", NAMES)
def test_certificate_prints_the_name_in_its_own_script(script):
    name = NAMES[script]
    data = certificate_pdf(name)
    assert normalized(name) in normalized(pdftotext(data))
    assert_only_embedded_subsets(data)


@pytest.mark.parametrize("script", NAMES)
def test_sign_in_sheet_prints_the_name_in_its_own_script(script):
    name = NAMES[script]
    data = signin_pdf(name)
    assert normalized(name) in normalized(pdftotext(data))
    assert_only_embedded_subsets(data)


def test_a_right_to_left_name_reads_right_to_left():
    # pdftotext -bbox gives each word's glyphs in drawing order: the first word of the
    # name (with shin) is drawn to the right of the second (with final nun).
    boxes = words(certificate_pdf("שרה כהן"))
    first = next(x0 for x0, _top, _x1, _bottom, text in boxes if "ש" in text)
    second = next(x0 for x0, _top, _x1, _bottom, text in boxes if "ן" in text)
    assert first > second


# No vendored font has these.
NO_FONT_HAS = "🦩 🧑‍🚒️"
# The fonts draw these (DejaVu Sans a few older emoji, DejaVu Serif the mathematical
# letters), but past U+FFFF the PDF's text layer would name each as another character.
BEYOND_THE_TEXT_LAYER = "😀 𝐀𝐧𝐚 🙂"


@pytest.mark.parametrize("render", [certificate_pdf, signin_pdf])
def test_an_emoji_no_font_has_is_left_out_and_the_rest_of_the_name_prints(render):
    data = render(f"Ana {NO_FONT_HAS} López")
    text = normalized(pdftotext(data))
    assert "Ana López" in text
    assert not set("🦩🧑🚒\u200d\ufe0f\ufffd\u25a1") & set(text)


@pytest.mark.parametrize("render", [certificate_pdf, signin_pdf])
def test_what_the_text_layer_cannot_name_is_left_out_so_the_name_reads_back_as_printed(render):
    data = render(f"Ana {BEYOND_THE_TEXT_LAYER} López")
    # Copied or searched, the name is what the page shows, with nothing in between.
    assert "Ana López" in normalized(pdftotext(data))


def inside_the_border(box) -> bool:
    width, height = landscape(letter)
    x0, top, x1, bottom, _text = box
    return x0 > 33 and x1 < width - 33 and top > 33 and bottom < height - 33


@pytest.mark.parametrize("script", LONG_NAMES)
def test_a_300_character_name_in_any_script_fits_the_certificate_whole(script):
    name = (LONG_NAMES[script] * 300)[:300].strip()
    # Longer than the form allows (200): printed from the snapshot, not saved.
    registration = AttendedRegistrationFactory()
    certificate = services.issue_certificate(registration_id=registration.pk)
    certificate.name_printed = name
    data = services.render_pdf(certificate)
    assert normalized(name).replace(" ", "") in normalized(pdftotext(data)).replace(" ", "")
    boxes = words(data)
    assert all(inside_the_border(box) for box in boxes)
    # The name stays above "attended the training", which stays above the QR code.
    attended = next(box for box in boxes if box[4] == "attended")
    name_words = [box for box in boxes if box[1] < attended[1] and box[4] not in NOT_NAME]
    assert max(bottom for _x0, _top, _x1, bottom, _text in name_words) <= attended[1]


def test_text_beside_the_certificates_qr_code_keeps_four_modules_clear():
    certificate = AttendedRegistrationFactory()
    certificate = services.issue_certificate(registration_id=certificate.pk)
    data = services.render_pdf(certificate)
    width, height = landscape(letter)
    module = layout.QR_SIZE / len(qr_code(certificate.get_verify_url()).matrix)
    left = width - layout.MARGIN - 20 - layout.QR_SIZE
    bottom = layout.MARGIN + 6
    # The quiet zone, in pdftotext's coordinates (from the top of the page).
    zone = (
        left - QUIET_ZONE * module,
        height - (bottom + layout.QR_SIZE) - QUIET_ZONE * module,
        left + layout.QR_SIZE + QUIET_ZONE * module,
        height - bottom + QUIET_ZONE * module,
    )
    boxes = words(data)
    assert any(box[4] == certificate.display_code for box in boxes)
    for x0, top, x1, bottom_edge, text in boxes:
        overlaps = x0 < zone[2] and x1 > zone[0] and top < zone[3] and bottom_edge > zone[1]
        assert not overlaps, text


def test_a_name_that_wraps_to_three_lines_pushes_the_next_row_down():
    long_name = "Maria Guadalupe Fernanda de los Ángeles Nguyễn Thị Minh Kowalczyk-Oyelaran Ba"
    assert len(long_name) > 75
    data = signin_pdf(long_name, "Zed Zulu")
    boxes = words(data)
    long_words = {"Kowalczyk-Oyelaran", "Guadalupe", "Maria"}
    name_lines = {round(top) for _x0, top, _x1, _bottom, text in boxes if text in long_words}
    assert len(name_lines) >= 2  # it wrapped
    bottom_of_long = max(bottom for _x0, _top, _x1, bottom, text in boxes if text == "Ba")
    top_of_next = min(top for _x0, top, _x1, _bottom, text in boxes if text == "Zed")
    assert top_of_next > bottom_of_long


def test_sign_in_sheet_splits_tall_rows_onto_more_pages():
    names = [f"Person {i:02d} " + "Longname-Withoutbreaks " * 4 for i in range(40)]
    data = signin_pdf(*names)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    text = normalized(pdftotext(data))
    assert all(f"Person {i:02d}" in text for i in range(40))


def test_the_sign_in_sheet_takes_walk_ins_emails_but_prints_no_registered_email():
    session = SessionFactory()
    registration = RegistrationFactory(session=session, email="private.person@example.org")
    text = normalized(pdftotext(render_signin_sheet(session)))
    assert "Email (walk-ins)" in text
    assert "Not on the list? Write your name, organization, sector and email" in text
    assert registration.email not in text
