"""The QR mask: the lowest ISO 18004 penalty of all eight, the same one segno picks."""

import io
import random

import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def assert_same_as_segno(data: str) -> segno.QRCode:
    ours, theirs = qr_code(data), segno.make(data, error="m", micro=False)
    assert (ours.mask, ours.version, ours.error) == (theirs.mask, theirs.version, theirs.error)
    assert ours.matrix == theirs.matrix
    return ours


def test_verify_url_codes_have_segnos_mask_and_modules():
    masks = {assert_same_as_segno(url).mask for url in verify_urls(400, seed=18004)}
    # The payloads reach most masks, so no shortcut (say, always mask 0) passes.
    assert len(masks) >= 6


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=400))
def test_any_text_gets_segnos_mask_and_modules(data):
    assert_same_as_segno(data)


def test_large_versions_with_version_information_match():
    rng = random.Random(7)
    for length in (150, 300, 600, 1200):
        code = assert_same_as_segno("".join(rng.choice("abcdefgh/:.") for _ in range(length)))
        assert code.version >= 7


def test_short_payloads_such_as_check_in_codes_get_full_qr_codes_not_micro_ones():
    # segno alone would make a Micro QR code of these, which phone cameras can't read.
    assert segno.make(new_checkin_code(), error="m").is_micro
    for data in ("12345", new_checkin_code()):
        assert not assert_same_as_segno(data).is_micro


def test_png_and_svg_are_the_bytes_segno_writes():
    for url in verify_urls(20, seed=5):
        reference = segno.make(url, error="m", micro=False)
        png = io.BytesIO()
        reference.save(png, kind="png", scale=5, border=2)
        assert qr_png(url) == png.getvalue()
        svg = io.BytesIO()
        reference.save(
            svg, kind="svg", scale=4, xmldecl=False, svgns=True, title="QR code", nl=False
        )
        assert qr_svg(url) == svg.getvalue().decode()
