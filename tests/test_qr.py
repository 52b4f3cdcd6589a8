"""QR codes: segno's own codes (never Micro QR), its PNG and SVG writers, one PNG per code,
and a quiet zone of 4 modules around every code."""

import io
import random
import re

import segno
from PIL import Image

from events.documents.qr import QUIET_ZONE, qr_code, qr_png, qr_svg
from events.models.tokens import CODE_ALPHABET, new_checkin_code


def verify_urls(count: int, *, seed: int) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(16))
        groups = "-".join(code[start : start + 4] for start in range(0, 16, 4))
        urls.append(f"https://trainings.example.org/certificates/verify/{groups}/")
    return urls


def segno_png(data: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=5, border=4)
    return buffer.getvalue()


def test_codes_are_segnos_full_qr_codes_at_level_m_with_segnos_mask():
    for data in [*verify_urls(20, seed=11), new_checkin_code()]:
        ours, theirs = qr_code(data), segno.make(data, error="m", micro=False)
        assert (ours.version, ours.error, ours.mask) == (theirs.version, theirs.error, theirs.mask)
        assert ours.matrix == theirs.matrix


def test_a_check_in_code_gets_a_full_qr_code_not_a_micro_one():
    code = new_checkin_code()
    # segno alone would make a Micro QR code of it, which phone cameras can't read.
    assert segno.make(code, error="m").is_micro
    ours = qr_code(code)
    assert not ours.is_micro
    # No QR decoder is installed, so check what a reader needs to find: the smallest
    # full version, at least error level M, one of the eight masks.
    assert ours.version == 1
    assert ours.error in {"M", "Q", "H"}
    assert ours.mask in range(8)


def test_the_checkin_image_is_byte_for_byte_the_png_segno_writes():
    for code in [new_checkin_code() for _ in range(20)] + ["A", "HTTPS://EXAMPLE.ORG/" * 4]:
        assert qr_png(code) == segno_png(code), code


def test_each_codes_png_is_encoded_once_and_then_reused():
    code = new_checkin_code()
    first = qr_png(code)
    hits = qr_png.cache_info().hits
    assert qr_png(code) is first
    assert qr_png.cache_info().hits == hits + 1


def test_svg_is_an_inline_element_with_a_title_for_screen_readers():
    svg = qr_svg(new_checkin_code())
    assert svg.startswith("<svg") and not svg.startswith("<?xml")
    assert "<title>QR code</title>" in svg


def test_the_emailed_png_has_a_white_quiet_zone_of_four_modules():
    code = new_checkin_code()
    scale = 5
    image = Image.open(io.BytesIO(qr_png(code, scale=scale))).convert("L")
    modules = len(qr_code(code).matrix)
    assert image.size == ((modules + 2 * 4) * scale,) * 2
    pixels = image.load()
    dark = [
        (x, y) for x in range(image.size[0]) for y in range(image.size[1]) if pixels[x, y] < 128
    ]
    margin = min(min(x for x, _y in dark), min(y for _x, y in dark))
    far = image.size[0] - 1 - max(max(x for x, _y in dark), max(y for _x, y in dark))
    assert margin // scale == far // scale == QUIET_ZONE == 4


def test_the_door_page_svg_has_a_white_quiet_zone_of_four_modules():
    code = new_checkin_code()
    scale = 5
    svg = qr_svg(code, scale=scale)
    modules = len(qr_code(code).matrix)
    size = (modules + 2 * 4) * scale
    assert f'width="{size}" height="{size}"' in svg
    # In module units (scale(5)): a white square over the whole image, then the dark
    # modules' path, which starts in the top-left finder pattern 4 modules in.
    assert f'<path fill="#fff" d="M0 0h{modules + 8}v{modules + 8}h-{modules + 8}z"/>' in svg
    start = re.search(r'class="qrline" stroke="#000" d="M(\d+) (\d+)\.5', svg)
    assert (int(start.group(1)), int(start.group(2))) == (QUIET_ZONE, QUIET_ZONE) == (4, 4)
