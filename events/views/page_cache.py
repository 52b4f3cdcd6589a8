"""Whole public pages, rendered once and served again to every anonymous visitor.

The catalogue, a session page and the home page look the same to every visitor
without an account. Rendering them (the ORM, crispy forms, the site's chrome) costs
several times a bare Django view; serving the stored HTML costs about as much as
one. A view opts in with one decorator, @stored_page(name), and meets the cache
nowhere else.

The interface, all of it here:
- @stored_page(name): store the view's answer;
- fresh_until(response, moment): say until when that answer is true by the clock;
- fragment(request, key, build, ...): a piece of a page, cached under the versions of
  what it shows;
- and services say what changed with public_pages_changed() (services/public_pages.py;
  tests/test_public_page_changes.py lists every service and fails on one that changes
  a public page without saying so).

Freshness, in three layers:
- Every key carries versions (events/services/public_pages.py) that the services
  change after any commit that alters what a page shows. A session page carries its
  own session's version, so a registration elsewhere leaves it stored.
- An entry expires at the next moment the page changes by the clock alone (a
  registration window opens or closes, a session starts or ends): the view says
  when, with fresh_until() (see next_change()).
- And after MAX_SECONDS whatever happens, for edits made around the services
  (an import straight into the database).

What differs between visitors stays out of the stored copy: the key names the
audience (visitors with no session cookie; on the list pages also signed-in members,
and staff), and the language. A visitor with a flash message waiting is never served
a copy. The CSRF token of a form (the registration form, the log-out button) is
stored as a placeholder and filled in per request.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from events.models.tokens import plausible_public_id
from events.services.public_pages import (
    CATALOG_KEY,
    LISTS_KEY,
    current_versions,
    session_version_key,
)

MAX_SECONDS = 120
# Cached fragments (session cards, blank forms) live this long at most; their keys
# carry the versions of what they show, so they are never stale before that.
FRAGMENT_SECONDS = 120
UNSHARED = "unshared-"
# This module's own marks on the request and the response: nothing else reads them.
_STORING = "_page_cache_storing"
_VERSIONS = "_page_cache_versions"
_FRESH_UNTIL = "_page_cache_fresh_until"
# On the view function: (name, session_from) of a page StoredPageMiddleware serves.
_EARLY = "_page_cache_early"
# Random per process: page content can never contain it by accident.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
_MESSAGES_COOKIE = "messages"


def stored_page(
    name: str, *, session_from: str = "", for_members: bool = False, early: bool = False
):
    """Serve GETs of the decorated view from a stored copy of its answer.

    session_from: the URL argument holding the public id of the one session the page
    shows; the page then carries that session's version instead of the lists'.
    for_members: signed-in visitors get a stored copy too, one for members and one for
    staff, for pages that show them nothing of their own but the navigation's links.
    early: StoredPageMiddleware serves anonymous visitors their stored copy before the
    middleware a stored copy does not need (sessions, locale, authentication, messages,
    rate limits). Only for a view with no decorator above this one that changes its
    answer: the early copy never passes through them.

    The view renders as it would without the cache and says with fresh_until() the
    moment its answer stops being true by the clock. Only a 200 with no cookies and at
    least a second of freshness is stored.
    """

    def decorator(view):
        @wraps(view)
        def serve(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            audience = _audience(request, members=for_members)
            key = _key(request, name, kwargs[session_from] if session_from else "", audience)
            if key is None:
                return view(request, *args, **kwargs)
            pages = caches["pages"]
            stored = pages.get(key)
            if stored is not None:
                return _stored_response(request, stored)

            setattr(request, _STORING, True)  # read by csrf_placeholder() below
            response = view(request, *args, **kwargs)
            until = getattr(response, _FRESH_UNTIL, None)
            seconds = min(MAX_SECONDS, (until - timezone.now()).total_seconds()) if until else 0
            if (
                response.status_code == 200
                and not response.cookies
                and not response.streaming
                and seconds >= 1
            ):
                pages.set(key, (response["Content-Type"], response.content), int(seconds))
            return _with_csrf_token(request, response)

        if early:
            setattr(serve, _EARLY, (name, session_from))
        return serve

    return decorator


def _key(request: HttpRequest, name: str, public_id: str, audience: str | None) -> str | None:
    """The stored copy's key for this request, or None for a page rendered for it alone."""
    if (
        request.method not in ("GET", "HEAD")
        or audience is None
        or (public_id and not plausible_public_id(public_id))
    ):
        return None
    own = session_version_key(public_id) if public_id else LISTS_KEY
    versions = _versions(request, own)
    if versions[0].startswith(UNSHARED):
        # The shared cache is away: render, as for a visitor of one's own.
        return None
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"{name}:{':'.join(versions)}:{audience}:{request.LANGUAGE_CODE}:{address}"


def _stored_response(request: HttpRequest, stored: tuple[str, bytes]) -> HttpResponse:
    content_type, body = stored
    response = HttpResponse(body, content_type=content_type)
    # As the rendered page says: the answer depends on the session cookie.
    patch_vary_headers(response, ("Cookie",))
    return _with_csrf_token(request, response)


class StoredPageMiddleware:
    """Serve a visitor with no session cookie the stored copy of an early page
    (@stored_page(early=True)) before the middleware listed after this one.

    A stored copy needs no session, user, messages or rate limit, and rendering it
    again is what the store saves; what it does need stays above this middleware in
    settings.MIDDLEWARE: the security headers (SecurityMiddleware, CSP, X-Frame-Options),
    compression, and CsrfViewMiddleware, which sends the CSRF cookie matching the token
    filled into the page's form. The language is found as LocaleMiddleware finds it,
    and the answer says so as LocaleMiddleware would (Content-Language, Vary). A miss
    goes on down the stack, where the view stores it; the versions read here are kept
    on the request, so the view does not read them again.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._early(request)
        return response if response is not None else self.get_response(request)

    def _early(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or _audience_without_session(request) is None:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        early = getattr(match.func, _EARLY, None)
        if early is None:
            return None
        name, session_from = early
        language = translation.get_language_from_request(request)
        request.LANGUAGE_CODE = language
        key = _key(request, name, match.kwargs.get(session_from, ""), "anonymous")
        stored = caches["pages"].get(key) if key else None
        if stored is None:
            return None
        response = _stored_response(request, stored)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


def _versions(request: HttpRequest, own: str) -> list[str]:
    """The catalog version and one more (the lists' or a session's), read in one round
    trip and at most once per request."""
    held = getattr(request, _VERSIONS, None)
    if held is None:
        held = {}
        setattr(request, _VERSIONS, held)
    if own not in held:
        held[own] = current_versions([CATALOG_KEY, own]) or _unshared_versions()
    return held[own]


def _unshared_versions() -> list[str]:
    # Versions nobody else holds: every stored page and fragment misses, for this
    # request alone, while the shared cache does not answer.
    return [f"{UNSHARED}{secrets.token_hex(8)}" for _ in range(2)]


def catalog_version(request: HttpRequest) -> str:
    """The catalog version.

    Cached fragments (session cards, the blank registration form) carry it in their
    keys, beside what they show that can change (counts, status, updated_at).
    """
    held = getattr(request, _VERSIONS, None)
    if held:
        return next(iter(held.values()))[0]
    return _versions(request, LISTS_KEY)[0]


def session_versions(request: HttpRequest, public_id: str) -> str:
    """The catalog version and the session's own: what anything cached about one
    session's page is keyed by."""
    return ":".join(_versions(request, session_version_key(public_id)))


def lists_version(request: HttpRequest) -> str:
    """The catalog and lists versions together: for what any session's edit can change."""
    return ":".join(_versions(request, LISTS_KEY))


def fresh_until(response: HttpResponse, moment: datetime) -> HttpResponse:
    """Say that the answer stays true until `moment` by the clock (next_change()).

    A view under @stored_page that never says so is rendered for every visitor."""
    setattr(response, _FRESH_UNTIL, moment)
    return response


def fragment(
    request: HttpRequest, key: str, build: Callable, *, session: str = "", lists: bool = False
):
    """A computed piece of a public page (a session, the sectors, the cities), kept per
    process under the versions of what it shows: the catalog's, and one session's
    (session=public id) or the lists' (lists=True). build() makes it on a miss."""
    if session:
        versions = session_versions(request, session)
    elif lists:
        versions = lists_version(request)
    else:
        versions = catalog_version(request)
    return caches["fragments"].get_or_set(f"{key}:{versions}", build, FRAGMENT_SECONDS)


def next_change(
    sessions: Iterable, *, now: datetime, also: Iterable[datetime | None] = ()
) -> datetime:
    """The first moment after now at which these sessions' pages change by the clock."""
    moments = list(also)
    for session in sessions:
        moments += [
            session.registration_opens_at,
            session.registration_closes_at,
            session.starts_at,
            session.ends_at,
        ]
    return min(
        [moment for moment in moments if moment and moment > now],
        default=now + timedelta(seconds=MAX_SECONDS),
    )


def _audience_without_session(request: HttpRequest) -> str | None:
    """ "anonymous" for a visitor with neither a session cookie nor a flash message
    waiting, else None: what can be told before the session middleware has run."""
    if _MESSAGES_COOKIE in request.COOKIES or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    return "anonymous"


def _audience(request: HttpRequest, *, members: bool) -> str | None:
    """Whose stored copy this visitor gets, or None for a page rendered for them alone.

    Visitors without a session cookie are "anonymous". Signed-in visitors are "member"
    or "staff" (who also see the "Organize" link), where the page allows it. Anyone
    with a flash message waiting gets a page of their own, which shows it.
    """
    if _audience_without_session(request) is not None:
        return "anonymous"
    if _MESSAGES_COOKIE in request.COOKIES:
        return None
    if not members or len(messages.get_messages(request)):
        return None
    user = request.user
    if not user.is_authenticated:
        return "anonymous"
    return "staff" if user.is_staff else "member"


def _with_csrf_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    placeholder = CSRF_PLACEHOLDER.encode()
    if not response.streaming and placeholder in response.content:
        # get_token() also makes CsrfViewMiddleware send the matching cookie.
        response.content = response.content.replace(placeholder, get_token(request).encode())
    return response


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: {% csrf_token %} prints the placeholder in a copy to be stored.

    Listed after Django's own csrf processor, so it wins only while a page is stored.
    """
    if getattr(request, _STORING, False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def private_page(response: HttpResponse) -> HttpResponse:
    """A page behind a secret in its address (manage, evaluation and certificate links):
    never stored on the way, and its address kept out of Referer headers."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response
