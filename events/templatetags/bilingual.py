"""Organizer content in the page's language, and English fallbacks marked as English.

The text alone (subjects, plain-text emails, <title>, attribute values):
    {{ training|localized:"title" }}
Inline, where an English fallback on a Spanish page comes as <span lang="en">...</span>:
    {{ training|localized_html:"title" }}
A block, whose element itself gets lang="en" for a fallback:
    <div{{ training|lang_attr:"description" }}>
      {{ training|localized:"description"|linebreaks }}</div>

Screen readers switch voice on lang; a Spanish voice reading an English title garbles
it (WCAG 3.1.2, language of parts). The page's language is the active one, which is the
registrant's while their emails render.
"""

from django import template
from django.utils.html import format_html

from events.models import bilingual

register = template.Library()


@register.filter
def localized(obj, field: str) -> str:
    return bilingual.localized(obj, field).text


@register.filter
def localized_html(obj, field: str) -> str:
    text, language = bilingual.localized(obj, field)
    if language == bilingual.content_language() or not text:
        return text  # escaped as any variable is
    return format_html('<span lang="{}">{}</span>', language, text)


@register.filter
def lang_attr(obj, field: str) -> str:
    text, language = bilingual.localized(obj, field)
    if language == bilingual.content_language() or not text:
        return ""
    return format_html(' lang="{}"', language)
