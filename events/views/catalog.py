"""Public pages that list sessions: the home page and the catalogue."""

from datetime import datetime
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from events.forms import CatalogFilterForm
from events.models import TrainingSession
from events.selectors import catalog as selectors

from .page_cache import (
    FRAGMENT_SECONDS,
    catalog_version,
    fragment,
    fresh_until,
    next_change,
    stored_page,
)

CATALOG_PAGE_SIZE = 12
# The filters the catalogue's form shows ("state" is read too, for links from elsewhere).
CATALOG_FILTERS = ("sector", "city", "month", "mode")


@require_safe
@stored_page("home", for_members=True, early=True)
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    sessions = list(selectors.upcoming_sessions(now=now)[:3])
    response = render(
        request,
        "events/home.html",
        {
            "sessions": sessions,
            "cards_key": cards_key(sessions),
            "fragment_seconds": FRAGMENT_SECONDS,
            "catalog_version": catalog_version(request),
        },
    )
    fresh_until(response, listing_changes(sessions, first_end=selectors.first_end_after(now)))
    return response


@require_safe
@stored_page("catalog", for_members=True, early=True)
def catalog_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form, cities, filters = catalog_filters(request)
    filtered = bool(request.GET)
    # A query that makes no sense shows every session, beside the form's errors.
    filters = filters or {}
    page = Paginator(selectors.upcoming_sessions(now=now, **filters), CATALOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    # The past list changes when the first upcoming session ends.
    first_end = selectors.first_end_after(now)
    response = render(
        request,
        "events/catalog.html",
        {
            "form": form,
            "page": page,
            "cards_key": cards_key(page.object_list),
            "cities_key": "|".join(cities),
            "filtered": filtered,
            # The form is folded away on a first visit and open while filters apply.
            "active_filters": sum(1 for name in CATALOG_FILTERS if request.GET.get(name)),
            "any_filter": any(request.GET.get(name) for name in (*CATALOG_FILTERS, "state")),
            "past_sessions": selectors.past_sessions(now=now)[:6],
            "past_key": first_end.isoformat() if first_end else "",
            "query": query.urlencode(),
            # The calendar feed of what the page lists, by the filters it applied.
            "feed_query": urlencode({name: value for name, value in filters.items() if value}),
            "fragment_seconds": FRAGMENT_SECONDS,
            "catalog_version": catalog_version(request),
        },
    )
    fresh_until(response, listing_changes(page.object_list, first_end=first_end))
    return response


def catalog_filters(
    request: HttpRequest, *, with_cancelled: bool = False
) -> tuple[CatalogFilterForm, list[str], dict | None]:
    """The catalogue's filter form for this request, the cities it offers, and the
    filters it cleans to: {} without a query, None when the query makes no sense (an
    unknown sector or city, a malformed month).

    The catalogue, its calendar feed and the embeddable list read their filters here;
    the feed, which keeps cancelled sessions, also accepts their cities (with_cancelled).
    """
    # Cities come and go with sessions, so they follow the lists' version.
    cities = fragment(
        request,
        f"catalog-cities:{with_cancelled}",
        lambda: selectors.catalog_cities(with_cancelled=with_cancelled),
        lists=True,
    )
    if not request.GET:
        # Built only if the page renders it: a blank form usually comes from the cache.
        return SimpleLazyObject(lambda: CatalogFilterForm(cities=cities)), cities, {}
    form = CatalogFilterForm(request.GET, cities=cities)
    return form, cities, form.filters() if form.is_valid() else None


def listing_changes(sessions: list[TrainingSession], *, first_end: datetime | None) -> datetime:
    """When a list of upcoming sessions changes by the clock: one of them opens,
    closes or starts, or the first upcoming session ends (and leaves every list)."""
    return next_change(sessions, now=timezone.now(), also=[first_end])


def session_key(session: TrainingSession) -> str:
    """Everything on a session's card or details that a registration or an edit changes."""
    return ":".join(
        str(part)
        for part in (
            session.pk,
            session.updated_at.timestamp(),
            session.status,
            getattr(session, "confirmed_count", ""),
            getattr(session, "waitlisted_count", ""),
            session.registration_closed_reason(),
            session.has_ended(),
        )
    )


def cards_key(sessions: list[TrainingSession]) -> str:
    return "|".join(session_key(session) for session in sessions)
