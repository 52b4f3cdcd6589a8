"""The Spanish catalogue is complete, and Spanish pages show none of our English."""

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from tests.factories import RegistrationFactory, SessionFactory

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale/es/LC_MESSAGES/django.po"
# What `make makemessages` leaves out: not the project's own text.
NOT_SOURCE = {".git", ".venv", "var", "staticfiles", "tests", "bench", "node_modules", "docs"}


def _catalogue(path: Path = CATALOGUE):
    with path.open("rb") as po:
        return read_po(po, locale="es")


def _untranslated(catalogue) -> list[str]:
    """Entries a Spanish reader would see in English: empty, partly empty or fuzzy."""
    left = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            left.append(repr(message.id))
    return left


def test_every_entry_of_the_spanish_catalogue_is_translated_and_none_is_fuzzy():
    catalogue = _catalogue()
    assert len(catalogue) > 500
    assert _untranslated(catalogue) == []


def test_spanish_placeholders_and_plural_forms_match_the_english():
    catalogue = _catalogue()
    assert catalogue.num_plurals == 3  # CLDR's one, many and other
    # Babel's checkers: the same %(name)s placeholders, and every plural form given.
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check()]
    assert problems == []
    braces = re.compile(r"\{\w+\}")  # the door page's JavaScript fills {name}, {count}
    for message in catalogue:
        if message.id and isinstance(message.id, str):
            assert sorted(braces.findall(message.string)) == sorted(braces.findall(message.id))


def test_makemessages_finds_no_string_the_spanish_catalogue_lacks(tmp_path):
    """A new or changed msgid in the code or templates fails here until it is translated."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=lambda folder, names: [
            name
            for name in names
            if (Path(folder) == ROOT and name in NOT_SOURCE)
            or name.endswith((".mo", ".ttf", ".otf", ".pyc"))
            or name == "__pycache__"
        ],
        symlinks=True,
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "trafficking_training.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete", "-v", "0"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    refreshed = _catalogue(copy / "locale/es/LC_MESSAGES/django.po")
    assert _untranslated(refreshed) == []
    assert {m.id for m in refreshed if m.id} == {m.id for m in _catalogue() if m.id}


# --- Spanish pages ---------------------------------------------------------------


def _english_to_spanish() -> dict[str, str]:
    """Our catalogue's sentences that read differently in Spanish, without placeholders."""
    pairs = {}
    for message in _catalogue():
        source = message.id
        if (
            isinstance(source, str)
            and len(source) >= 8
            and not {"%", "{"} & set(source)
            and message.string != source
        ):
            pairs[source] = message.string
    return pairs


def _has(text: str, phrase: str) -> bool:
    """The phrase as whole words ("session end" is not in "the session ends")."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _page_text(response) -> str:
    """What a reader sees: the text between the tags, entities decoded, spaces collapsed."""
    page = re.sub(r"<script.*?</script>|<[^>]+>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(page).split())


def _pages() -> list[str]:
    session = SessionFactory(what_to_bring="")
    registration = RegistrationFactory(session=session)
    return [
        reverse("home"),
        reverse("events:catalog"),
        session.get_absolute_url(),
        registration.get_manage_url(),
        reverse("privacy"),
        reverse("events:resend_manage_link"),
        reverse("events:certificate_verify_lookup"),
    ]


@pytest.mark.django_db
def test_spanish_pages_show_none_of_the_english_they_show_in_english(client):
    pairs = _english_to_spanish()
    for url in _pages():
        english = _page_text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
        spanish = _page_text(client.get(url, HTTP_ACCEPT_LANGUAGE="es"))
        found = [source for source in pairs if _has(english, source)]
        # "Organize" inside "Organizers of your session...": only whole sentences count.
        shown = [s for s in found if not any(s != other and s in other for other in found)]
        assert len(shown) >= 5, url  # the page really shows our catalogue's sentences
        # A Spanish sentence may contain a shorter English one ("Sector", "Online"...):
        # only sentences that are not part of their own or another translation count.
        left = [
            source
            for source in shown
            if _has(spanish, source) and not any(_has(pairs[other], source) for other in shown)
        ]
        assert left == [], url
        assert all(pairs[source] in spanish for source in shown), url

    home = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in home


@pytest.mark.django_db
def test_the_spanish_session_page_gives_the_date_in_spanish_word_order(client):
    session = SessionFactory()
    page = _page_text(client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es"))
    with translation.override("es"):
        expected = date_format(session.local_starts_at, "LONG_DATE_FORMAT")
    assert " de " in expected
    assert expected in page
