"""Project-wide pages: errors (every failure gets a helpful page), privacy, health."""

import logging
import math
import sys
import threading
import time

import django_redis.client  # noqa: F401 - imported at start-up, see below
import kombu.transport.redis  # noqa: F401
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from events.services.outages import DATABASE_OUTAGE


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    # Django reports an oversized multipart body as a 400; it deserves its own answer.
    if isinstance(exception, RequestDataTooBig):
        return request_too_big(request)
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its except block: an error raised outside a view (a
    # session saved after the view, while the database is away) is seen here.
    if isinstance(sys.exc_info()[1], DATABASE_OUTAGE):
        return database_unavailable(request)
    return render(request, "500.html", status=500)


DATABASE_RETRY_AFTER = 30


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database is away: a page that needs nothing from it.

    Rendered as for a visitor who is not signed in, since telling who is signed in
    would need the database; the visitor's session is left as it is.
    """
    response = render(
        request,
        "503_unavailable.html",
        {"user": AnonymousUser(), "messages": (), "retry_after": DATABASE_RETRY_AFTER},
        status=503,
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def request_too_big(request: HttpRequest) -> HttpResponse:
    """413: the body is larger than any of our forms could send."""
    limit_kib = math.ceil(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024)
    return render(request, "413.html", {"limit_kib": limit_kib}, status=413)


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """429 with a Retry-After header and the wait in words (in JSON for the API)."""
    minutes = math.ceil(retry_after / 60)
    match = request.resolver_match
    if match is not None and match.namespace == "api":
        response = JsonResponse(
            {
                "detail": ngettext(
                    "Too many requests. Please try again in %(seconds)d second.",
                    "Too many requests. Please try again in %(seconds)d seconds.",
                    retry_after,
                )
                % {"seconds": retry_after}
            },
            status=429,
        )
    else:
        response = render(
            request,
            "429.html",
            {"retry_after": retry_after, "retry_minutes": minutes},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def session_busy(request: HttpRequest) -> HttpResponse:
    """503: a session's lock stayed taken too long (events.services.locking.SessionBusy)."""
    response = render(
        request, "503.html", {"retry_after": settings.SESSION_BUSY_RETRY_AFTER}, status=503
    )
    response["Retry-After"] = str(settings.SESSION_BUSY_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def login_locked_out(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' lockout answer: the 429 page, with the cool-off as the wait."""
    return too_many_requests(request, retry_after=int(settings.AXES_COOLOFF_TIME.total_seconds()))


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy.html", {"retention_months": settings.RETENTION_MONTHS})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for by themselves: the site's icon in static/."""
    return redirect(static("favicon.svg"), permanent=True)


logger = logging.getLogger(__name__)

# The redis package imports itself in a circle that fails half-way ("partially initialized
# module 'redis.connection'") when two threads import it at once: the health probes' cache
# and broker threads did, on the first /healthz after a start (and so could two gthread
# requests). The imports above load it once, in the main thread, when the app is loaded.

# Each part answers a health probe within this long or counts as down; the whole
# probe answers within about this long, whatever is hung (load balancers and compose
# give up after a few seconds).
HEALTH_TIMEOUT_SECONDS = 2.0


def _database_answers() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        # The probe's own thread opened this connection; nobody else will close it.
        connection.close()


def _cache_answers() -> None:
    # django-redis answers a failed command as a miss, so a value that does not come
    # back is how a cache that is away shows.
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("the cache did not keep a value")


def _broker_answers() -> None:
    from trafficking_training.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=HEALTH_TIMEOUT_SECONDS)


HEALTH_CHECKS = {
    "database": _database_answers,
    "cache": _cache_answers,
    "broker": _broker_answers,
}


def _probe(part: str, check, report: dict) -> None:
    try:
        check()
    except Exception:
        logger.warning("Health check: the %s is down", part, exc_info=True)
        report[part] = "down"
    else:
        report[part] = "ok"


def health(request: HttpRequest) -> HttpResponse:
    """/healthz for load balancers and compose: "ok" or "down" per part.

    The status is "ok"; "degraded" (still 200) when only the cache or the broker is
    down, since the site serves and saves without them; "down" (503) without the
    database, which nothing works without.

    The parts are probed at the same time, each in a thread of its own, and a part
    that has not answered by HEALTH_TIMEOUT_SECONDS is down: a hung database, cache or
    broker can neither hold the probe nor the worker that serves it. (A thread stuck
    on a hung server ends with its socket's timeout.)

    The answer names the parts and nothing else: no versions, hosts or error texts,
    which go to the log instead. HealthCheckMiddleware serves it before host
    validation, because a probe asks by IP address, not by the site's name.
    """
    report: dict[str, str] = {}
    probes = [
        threading.Thread(target=_probe, args=(part, check, report), daemon=True)
        for part, check in HEALTH_CHECKS.items()
    ]
    for probe in probes:
        probe.start()
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    for probe in probes:
        probe.join(max(0.0, deadline - time.monotonic()))
    for part in HEALTH_CHECKS:
        if part not in report:
            logger.warning("Health check: the %s did not answer in time", part)
    report = {part: report.get(part, "down") for part in HEALTH_CHECKS}
    if report["database"] != "ok":
        status, code = "down", 503
    elif any(state != "ok" for state in report.values()):
        # Pages still answer and changes are saved (the cache and the broker are
        # accelerators): keep this web process in the load balancer's rotation.
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = JsonResponse({"status": status, **report}, status=code)
    response["Cache-Control"] = "no-store"
    return response
