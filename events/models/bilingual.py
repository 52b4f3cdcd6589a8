"""What organizers type, in English and in Spanish: one plain field per language.

A translated field is the English one (`title`, the language organizers write first and
the one every other reader of the model, the feeds and the API included, keeps using) and
a Spanish one beside it with the language code as suffix (`title_es`, blank allowed).
localized() picks the one for the current language and falls back to English where no
Spanish was entered, and says which language the text it returns is in, so that a
Spanish page can mark an English fallback with lang="en" (events/templatetags/bilingual.py).

Plain fields rather than a library that patches attribute access: `training.title` is
always the English text, so certificate snapshots, admin search and the exports read what
they ask for, and the language is chosen in one visible place.
"""

from typing import NamedTuple

from django.conf import settings
from django.utils import translation


class Localized(NamedTuple):
    text: str
    language: str  # the code of the language `text` is written in


def content_language(code: str | None = None) -> str:
    """One of LANGUAGES for a language code (default: the active one, "es-MX" -> "es")."""
    try:
        return translation.get_supported_language_variant(code or translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def localized(obj, field: str, language: str | None = None) -> Localized:
    """The field's text in the language (default: the active one), else the English text.

    obj is a model with translated fields (its TRANSLATED_FIELDS name them); language is
    a language code such as a registration's.
    """
    if field not in getattr(obj, "TRANSLATED_FIELDS", ()):
        raise ValueError(f"{type(obj).__name__}.{field} has no translations")
    wanted = content_language(language)
    if wanted != settings.LANGUAGE_CODE:
        text = getattr(obj, f"{field}_{wanted}", "")
        if text.strip():
            return Localized(text, wanted)
    return Localized(getattr(obj, field), settings.LANGUAGE_CODE)
