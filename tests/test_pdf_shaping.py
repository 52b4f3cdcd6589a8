"""shape_run, the one call into reportlab's undocumented internals, and what it gives back.

The names go through reportlab.pdfbase.ttfonts.shapeFragWord (shaping.py says why no
documented reportlab call can print them). Its word layout is not a public contract, so
these tests fail when another reportlab is installed, and pin its output for a few
strings so that a change in shaping shows up here before it shows on a certificate.
"""

from importlib.metadata import version

import pytest

from events.documents.pdf.fonts import ARABIC, ARABIC_BOLD, HEBREW, register_fonts
from events.documents.pdf.shaping import VERIFIED_WITH, shape_run


@pytest.fixture(autouse=True)
def fonts():
    register_fonts()


@pytest.mark.parametrize("package", VERIFIED_WITH)
def test_shape_run_was_verified_against_the_installed_reportlab(package):
    installed, verified = version(package), VERIFIED_WITH[package]
    assert installed == verified, (
        f"{package} {installed} is installed, but events/documents/pdf/shaping.py was "
        f"verified against {verified}. shape_run builds the word that {package}'s "
        "undocumented shapeFragWord takes and reads the one it returns: check both in "
        "the new version's reportlab/pdfbase/ttfonts.py (and whether a documented call "
        "can now set the OpenType features), run tests/test_pdf_shaping.py and "
        "tests/test_pdf_scripts.py, look at a certificate with an Arabic and a Hebrew "
        "name, then update VERIFIED_WITH."
    )


def test_arabic_letters_join_without_the_discretionary_ligature():
    glyphs, width = shape_run("محمد", ARABIC_BOLD, 1000)
    # Final dal, medial meem, medial hah, initial meem, drawn right to left; not the
    # one-glyph calligraphic "Muhammad" (U+FDF4) that dlig would give.
    assert glyphs == "\ufeaa\ufee4\ufea4\ufee3"
    assert width == pytest.approx(2431)


def test_lam_alef_takes_its_required_ligature():
    glyphs, _width = shape_run("لا", ARABIC, 1000)
    assert glyphs == "\ufefb"


def test_hebrew_comes_back_right_to_left_and_kerned():
    glyphs, width = shape_run("שרה", HEBREW, 1000)
    assert glyphs == "הרש"
    assert width == pytest.approx(1873)


def test_hebrew_points_stay_with_their_letters():
    glyphs, width = shape_run("שָׁלוֹם", HEBREW, 1000)
    # Right to left, a letter at a time, each point just before the letter HarfBuzz sets
    # it on: final mem; holam, vav; lamed; qamats, shin dot, shin.
    assert glyphs == "\u05dd\u05b9\u05d5\u05dc\u05b8\u05c1\u05e9"
    assert width == pytest.approx(2227)
