"""Project-wide pages: errors (every failure gets a helpful page), privacy, health."""

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe


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
    return render(request, "500.html", status=500)


def request_too_big(request: HttpRequest) -> HttpResponse:
    """413: the body is larger than any of our forms could send."""
    limit_kib = math.ceil(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024)
    return render(request, "413.html", {"limit_kib": limit_kib}, status=413)


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """429 with a Retry-After header and the wait in words."""
    minutes = math.ceil(retry_after / 60)
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


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
