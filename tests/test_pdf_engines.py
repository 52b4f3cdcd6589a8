"""The two calls into libraries' internals (events/documents/pdf/engines.py), and their output.

Names are shaped through reportlab.pdfbase.ttfonts.shapeFragWord and ordered through
python-bidi's pure-Python algorithm steps (engines.py says why no documented call can
print them). Neither is a public contract, so these tests fail when another version of
either is installed, and pin the output for a few strings, so that a change shows up
here before it shows on a certificate.
"""

from importlib.metadata import version

import pytest

from events.documents.pdf.engines import (
    VERIFIED_WITH,
    base_level,
    display_order,
    mirrored,
    shape_run,
)
from events.documents.pdf.fonts import ARABIC, ARABIC_BOLD, HEBREW, register_fonts


@pytest.fixture(autouse=True)
def fonts():
    register_fonts()


@pytest.mark.parametrize("package", VERIFIED_WITH)
def test_the_engines_were_verified_against_the_installed_libraries(package):
    installed, verified = version(package), VERIFIED_WITH[package]
    assert installed == verified, (
        f"{package} {installed} is installed, but events/documents/pdf/engines.py was "
        f"verified against {verified}. It calls {package}'s undocumented internals "
        "(reportlab: the word shapeFragWord takes and returns, in "
        "reportlab/pdfbase/ttfonts.py; python-bidi: the steps and storage dict of "
        "bidi/algorithm.py, and bidi/mirror.py): check them in the new version, and "
        "whether a documented call can now do the same, run tests/test_pdf_engines.py "
        "and tests/test_pdf_scripts.py, look at a certificate with an Arabic, a Hebrew "
        "and a mixed-direction name, then update VERIFIED_WITH."
    )


def test_a_hebrew_name_with_a_latin_part_is_ordered_right_to_left_around_it():
    line = "שרה Cohen 2"
    order = display_order(line)
    shown = "".join(line[index] for index, _level in order)
    # The Hebrew base direction puts the Latin run (the number after it joins it) on the
    # left, reading left to right inside.
    assert shown == "Cohen 2 הרש"
    levels = {line[index]: level for index, level in order}
    assert (levels["ש"], levels["C"], levels["2"]) == (1, 2, 2)


def test_a_latin_line_keeps_its_order_at_level_zero():
    assert display_order("Ana López") == [(index, 0) for index in range(9)]
    assert base_level("Ana López") == 0
    assert base_level("محمد Ana") == 1


def test_brackets_are_mirrored_in_right_to_left_text():
    assert (mirrored("("), mirrored(")"), mirrored("a")) == (")", "(", "a")


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
