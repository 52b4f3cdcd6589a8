"""Sessions for other places: a calendar feed to subscribe to, and a list that partner
sites show in an iframe. Both take the catalogue's filters from their address
(?sector=schools-education&city=Fargo) and show public data only."""

import hashlib
from datetime import date
from functools import wraps

from csp.constants import NONE
from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.cache import get_conditional_response, patch_cache_control, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from events.documents import ics
from events.forms import CatalogFilterForm
from events.models.bilingual import localized
from events.selectors import catalog as selectors
from events.views.cookies import sets_no_cookie

from .catalog import catalog_filters, listing_changes
from .page_cache import fresh_until, stored_page

# A feed is public data fetched by calendar apps without a person waiting: bounded, so
# that a feed of every session stays one cheap query and a file of a few hundred KB.
FEED_LIMIT = 500
# Calendar apps refresh hourly at most (ics.FEED_REFRESH); a shared cache may keep a
# copy for a few minutes.
FEED_MAX_AGE = 300
EMBED_LIMIT = 20


@sets_no_cookie
@require_safe
def sessions_feed(request: HttpRequest) -> HttpResponse:
    """The upcoming sessions matching the catalogue's filters, as an iCalendar feed.

    A query that makes no sense (an unknown sector) gets a valid, empty calendar: a
    calendar app shows an error page as a broken subscription. The ETag is the
    file's hash, so an unchanged feed is answered with a 304.
    """
    form, _cities, filters = catalog_filters(request, with_cancelled=True)
    sessions = [] if filters is None else selectors.calendar_sessions(**filters)[:FEED_LIMIT]
    body = ics.sessions_feed(sessions, name=feed_name(form, filters))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="training-sessions.ics"'
    response["ETag"] = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def feed_name(form: CatalogFilterForm, filters: dict | None) -> str:
    """The calendar's name as a calendar app lists it, naming what it was filtered by:
    "Trafficking awareness trainings: Schools & education, Fargo"."""
    if filters is None:
        return _("Trafficking awareness trainings: no sessions match these filters")
    parts = []
    if filters:
        data = form.cleaned_data
        if data["sector"]:
            parts.append(localized(data["sector"], "name").text)
        parts += [value for value in (data["city"], data["state"]) if value]
        if data["mode"]:
            parts.append(str(dict(form.fields["mode"].choices)[data["mode"]]))
        if data["month"]:
            year, month = (int(part) for part in data["month"].split("-"))
            parts.append(formats.date_format(date(year, month, 1), "YEAR_MONTH_FORMAT"))
    if not parts:
        return _("Trafficking awareness trainings")
    return _("Trafficking awareness trainings: %(filters)s") % {"filters": ", ".join(parts)}


def embeddable(view):
    """Let the sites in EMBED_ALLOWED_ORIGINS show this view in a frame, and nobody else.

    Every other page keeps frame-ancestors 'none' and X-Frame-Options DENY. The
    policy is built per request from the setting through django-csp's own
    csp_replace (for the enforced and the report-only policy, whichever is set), so
    a test's settings override reaches it. X-Frame-Options has no list of origins:
    it is left out here, and CSP decides.
    """

    @wraps(view)
    def framed(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        policy = {"frame-ancestors": list(settings.EMBED_ALLOWED_ORIGINS) or [NONE]}
        wrapped = csp_replace(policy)(csp_replace(policy, REPORT_ONLY=True)(view))
        return wrapped(request, *args, **kwargs)

    return xframe_options_exempt(framed)


@sets_no_cookie
@embeddable
@require_safe
@stored_page("embed")
def embed_sessions(request: HttpRequest) -> HttpResponse:
    """A small standalone list of upcoming sessions for a partner's iframe.

    No site chrome, no form and no cookie (whatever cookies the request carries):
    registration happens on the session's page, which each entry opens in a new tab.
    """
    now = timezone.now()
    _form, _cities, filters = catalog_filters(request)
    sessions = (
        []
        if filters is None
        else list(selectors.upcoming_sessions(now=now, **filters)[:EMBED_LIMIT])
    )
    response = render(request, "events/embed_sessions.html", {"sessions": sessions})
    fresh_until(response, listing_changes(sessions, first_end=selectors.first_end_after(now)))
    return response
