"""{% session_links session as links %}: the session's map and calendar links
(events/documents/calendar_links.py), for the session page and the manage page."""

from django import template

from events.documents.calendar_links import SessionLinks, session_links

register = template.Library()


@register.simple_tag(name="session_links")
def session_links_tag(session) -> SessionLinks:
    return session_links(session)
