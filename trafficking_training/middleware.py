"""Request guards that apply to every view: body size, rate limits, a busy session or
database, and the cookies of the views that set none."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.gzip import GZipMiddleware

from events.services.locking import SessionBusy
from events.services.outages import DATABASE_OUTAGE
from events.views.cookies import SETS_NO_COOKIE
from trafficking_training import ratelimits, views

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

HEALTH_PATH = "/healthz"

logger = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """Answer /healthz first, before host validation and the HTTPS redirect.

    A load balancer or compose probes a container by its address over plain HTTP
    (http://127.0.0.1:8000/healthz), a Host that ALLOWED_HOSTS rightly refuses.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH and request.method in {"GET", "HEAD"}:
            return views.health(request)
        return self.get_response(request)


class CompressTextMiddleware(GZipMiddleware):
    """Django's gzip, with its BREACH mitigation (random bytes in each answer's gzip
    header), for text only: PDFs, images, ZIP and XLSX files are compressed already and
    would only cost the CPU again."""

    TEXT_TYPES = ("application/json", "application/javascript", "image/svg+xml")

    def process_response(self, request, response):
        kind = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if kind.startswith("text/") or kind in self.TEXT_TYPES or kind.endswith("+json"):
            return super().process_response(request, response)
        return response


class RequestTooBigMiddleware:
    """Refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE with the friendly 413 page.

    Django would raise RequestDataTooBig when a view first reads request.POST, which
    becomes a plain 400. Checking the declared length up front gives the right status
    and spares reading the body. Multipart bodies are measured by Django's parser
    instead (file parts do not count); views.bad_request turns that case into 413 too.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and request.method in _BODY_METHODS
            and not request.content_type.startswith("multipart/")
        ):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return views.request_too_big(request)
        return self.get_response(request)


class CookielessMiddleware:
    """Keep Set-Cookie off the answers of the views marked @sets_no_cookie
    (events/views/cookies.py).

    Django's session and CSRF middleware answer the cookies a request carries, whatever
    the view: the first deletes a malformed session cookie (and a stale one once
    anything reads the session), the second replaces a malformed CSRF cookie. Neither
    has a switch per view (csrf_exempt skips the check, not the cookie). Listed before
    both, this one sees their answer after them and takes back what they set, for
    pages shown in partners' frames or fetched by programs, which promise no cookie
    and whose public answers shared caches may keep.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "sets_no_cookie", False):
            response.cookies.clear()
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        request.sets_no_cookie = getattr(view_func, SETS_NO_COOKIE, False)
        return None


class StripNullCharactersMiddleware:
    """Drop NUL characters from query-string parameters before any view reads them.

    PostgreSQL text cannot hold NUL, and psycopg raises (a 500) wherever such a value
    reaches a query, as a search box's ?q= does. No person types one, so removing it
    changes nothing for people and spares every view, present and future, its own
    check. Form fields are left to the forms, whose validators turn a NUL into a
    field error.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            pairs = [
                (key.replace("\x00", ""), value.replace("\x00", ""))
                for key, values in request.GET.lists()
                for value in values
            ]
            # Read-only, as Django's own request.GET is.
            request.GET = QueryDict(urlencode(pairs))
        return self.get_response(request)


class RateLimitMiddleware:
    """Count requests to the limited views (ratelimits.RULES) and answer 429 past the limit."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not settings.RATELIMIT_ENABLE:
            return None
        match = request.resolver_match
        limit = ratelimits.limit_for(match.view_name if match else None, request.method)
        if limit is None:
            return None
        retry_after = ratelimits.check_limit(request=request, limit=limit)
        if retry_after is None:
            return None
        return views.too_many_requests(request, retry_after=retry_after)


class ServiceUnavailableMiddleware:
    """Answer a busy session and a database that is away with a 503 "try again" page.

    SessionBusy: a session's lock not granted within SESSION_LOCK_TIMEOUT. A database
    outage (a restart, a lost connection) raised in a view gets a page that needs
    nothing from the database; one raised outside a view reaches views.server_error,
    which answers the same.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, SessionBusy):
            return views.session_busy(request)
        if isinstance(exception, DATABASE_OUTAGE):
            logger.warning("database away: %s %s answered 503", request.method, request.path)
            return views.database_unavailable(request)
        return None
