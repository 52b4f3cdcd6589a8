"""Dates and times are written with the languages' named formats, never a fixed pattern.

A pattern such as "%B %-d, %Y %-I:%M %p" prints English month names and a 12-hour clock
on a Spanish page ("Las inscripciones abren el December 10, 2026 10:26 AM"). Django's
date_format(value, "STAMP_FORMAT") and the |date filter read the active language's
formats (trafficking_training/formats/). Numeric, language-free patterns (%Y-%m-%d for
file names and ISO-like stamps, %H:%M) stay allowed.
"""

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_CODE = ["accounts", "events", "trafficking_training"]
# Month and weekday names, AM/PM and the 12-hour clock: each depends on the language.
WORDY = re.compile(r"%-?[aAbBpIl]\b|%-?[aAbBpIl](?=[\s,:.-])")


def _strings(path: Path):
    """Every string literal in a module (f-strings' literal parts included), with its line."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    for token in tokens:
        if token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)):
            yield token.start[0], token.string


def _offenders() -> list[str]:
    found = []
    for folder in APP_CODE:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line, text in _strings(path):
                if WORDY.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {text.strip()[:80]}")
    return found


def test_no_app_code_formats_a_date_with_a_language_bound_pattern():
    assert _offenders() == []


def test_the_check_finds_such_a_pattern(tmp_path, monkeypatch):
    # The control: the scan does find an f-string and a strftime with one.
    module = tmp_path / "events" / "example.py"
    module.parent.mkdir()
    module.write_text('when = f"{moment:%B %-d, %Y %-I:%M %p}"\nday = moment.strftime("%b %d")\n')
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.APP_CODE", ["events"])
    assert len(_offenders()) == 2


# A template's |date or |time with a pattern of its own: language-bound when it names a
# month or weekday (F, M, N, E, b, D, l), or uses AM/PM or the 12-hour clock (A, a, P, g, h).
TEMPLATE_PATTERN = re.compile(r"\|(?:date|time):[\"']([^\"']+)[\"']")
WORDY_TEMPLATE = re.compile(r"(?<!\\)[FMNEbDlAaPgh]")
TEMPLATE_FOLDERS = ["templates", "events/templates"]


def _template_offenders() -> list[str]:
    found = []
    for folder in TEMPLATE_FOLDERS:
        for path in (ROOT / folder).rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                for pattern in TEMPLATE_PATTERN.findall(line):
                    if not pattern.endswith("_FORMAT") and WORDY_TEMPLATE.search(pattern):
                        found.append(f"{path.relative_to(ROOT)}:{number}: {pattern}")
    return found


def test_no_template_formats_a_date_with_a_language_bound_pattern():
    assert _template_offenders() == []


def test_the_template_check_finds_such_a_pattern(tmp_path, monkeypatch):
    page = tmp_path / "templates" / "example.html"
    page.parent.mkdir()
    page.write_text('{{ day|date:"F j, Y" }} {{ at|time:"g:i A" }} {{ at|date:"Y-m-d H:i T" }}\n')
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.TEMPLATE_FOLDERS", ["templates"])
    assert len(_template_offenders()) == 2
