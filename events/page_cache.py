"""Whole public pages, rendered once and served again to every anonymous visitor.

The catalogue, a session page and the home page look the same to every visitor
without an account. Rendering them (the ORM, crispy forms, the site's chrome) costs
several times a bare Django view; serving the stored HTML costs about as much as
one.

Freshness, in three layers:
- Every key carries the *public version*, a token in the shared cache that changes
  after any commit that can alter what a public page shows: anything that locks a
  session (registering, cancelling, promoting, editing it: services.locking), a
  new session, and admin edits of trainings and sectors (admin.catalog). Every
  process sees a new token at its next request.
- An entry expires at the next moment the pages change by the clock alone (a
  registration window opens or closes, a session starts or ends): the view says
  when, see next_change().
- And after MAX_SECONDS whatever happens, for edits made around the services
  (an import straight into the database).

What differs between visitors stays out of the stored copy: only visitors with no
session cookie (so signed out, and with no pending flash message) are served from
it, the language is part of the key, and the CSRF token of a form is stored as a
placeholder and filled in per request.
"""

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers

VERSION_KEY = "public-pages:version"
# Moves only when what forms and filters list moves (sectors, trainings): the
# registration form's sectors need not be reloaded after every registration.
CATALOG_KEY = "public-pages:catalog"
MAX_SECONDS = 120
# Random per process: page content can never contain it by accident.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
_MESSAGES_COOKIE = "messages"


def public_pages_changed(*, catalog: bool = False) -> None:
    """Say that public pages are stale, as of the current transaction's commit.

    catalog=True: sectors or trainings changed too, so lists held per process
    (PerVersion) are loaded again.
    """
    keys = (VERSION_KEY, CATALOG_KEY) if catalog else (VERSION_KEY,)
    transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, secrets.token_hex(8)), None))


def _versions(request: HttpRequest) -> tuple[str, str]:
    """The public and catalog versions, read together (one round trip) once per request."""
    versions = getattr(request, "public_versions", None)
    if versions is None:
        found = cache.get_many([VERSION_KEY, CATALOG_KEY])
        for key in (VERSION_KEY, CATALOG_KEY):
            if key not in found:
                # First request after a cache flush: start a version, or take a racing one's.
                cache.add(key, secrets.token_hex(8), None)
                found[key] = cache.get(key)
        versions = request.public_versions = (found[VERSION_KEY], found[CATALOG_KEY])
    return versions


def public_version(request: HttpRequest) -> str:
    """The current public version of the pages.

    Cached fragments (session cards, the blank registration form) carry it in their
    keys too, so an edit made through the services never shows stale in them either.
    """
    return _versions(request)[0]


class PerVersion:
    """One value per process, loaded again when the catalog version moves (or after
    MAX_SECONDS): for small lists that public pages and forms read on every request,
    such as the active sectors. Held as plain objects, so reading costs no unpickling."""

    def __init__(self, load: Callable[[], object]) -> None:
        self.load = load
        self.held: tuple[str, float, object] | None = None

    def get(self, request: HttpRequest):
        version = _versions(request)[1]
        held = self.held
        now = time.monotonic()
        if held is None or held[0] != version or now - held[1] > MAX_SECONDS:
            held = self.held = (version, now, self.load())
        return held[2]


def _anonymous_visitor(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and _MESSAGES_COOKIE not in cookies


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


def serve(
    request: HttpRequest,
    name: str,
    render_page: Callable[[], tuple[HttpResponse, datetime]],
) -> HttpResponse:
    """The stored copy of this page for an anonymous GET, else render_page()'s answer.

    render_page returns the response and the moment it stops being true by the clock
    (next_change()). Only a 200 with HTML is stored.
    """
    if request.method not in ("GET", "HEAD") or not _anonymous_visitor(request):
        response, _until = render_page()
        return response
    pages = caches["pages"]
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    key = f"{name}:{public_version(request)}:{request.LANGUAGE_CODE}:{address}"
    stored = pages.get(key)
    if stored is not None:
        content_type, body = stored
        response = HttpResponse(body, content_type=content_type)
        # As the rendered page says: the answer depends on the session cookie.
        patch_vary_headers(response, ("Cookie",))
        return _with_csrf_token(request, response)

    request.storing_public_page = True  # read by csrf_placeholder() below
    response, until = render_page()
    seconds = min(MAX_SECONDS, (until - timezone.now()).total_seconds())
    if (
        response.status_code == 200
        and not response.cookies
        and not response.streaming
        and seconds >= 1
    ):
        pages.set(key, (response["Content-Type"], response.content), int(seconds))
    return _with_csrf_token(request, response)


def _with_csrf_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    placeholder = CSRF_PLACEHOLDER.encode()
    if not response.streaming and placeholder in response.content:
        # get_token() also makes CsrfViewMiddleware send the matching cookie.
        response.content = response.content.replace(placeholder, get_token(request).encode())
    return response


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: {% csrf_token %} prints the placeholder in a copy to be stored.

    Listed after Django's own csrf processor, so it wins only while serve() renders.
    """
    if getattr(request, "storing_public_page", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}
