"""QR codes: segno's own codes (never Micro QR), its PNG and SVG writers, one PNG per code."""

import io
import random

import segno

from events.documents.qr import qr_code, qr_png, qr_svg
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
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=5, border=2)
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
