"""The door check-in page for organizers: search, one-click check-in, QR scan, live counts,
and walk-ins (someone without a place, added and checked in at once).

Staff only, and scoped exactly like the admin (events.selectors.scope): a session
the user does not organize is a 404. Check-in goes through the check-in service,
which refuses cancelled and waitlisted people and ignores a second check-in.

Offline, the page works from a roster snapshot kept on the device and queues its
check-ins; the sync view takes the queue (events.services.checkin). The service
worker and the manifest make the page installable and let it load without signal.
"""

import hashlib
import json
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from events.forms import WalkInForm
from events.models import CheckInScan, Registration, TrainingSession, tokens
from events.selectors import checkin as checkin_selectors
from events.selectors import scope
from events.services import checkin as checkin_services


def _organizer_session(request: HttpRequest, session_id: int) -> TrainingSession:
    """The session, if this staff user may check people in to it; 404 otherwise."""
    user = request.user
    if not user.is_staff:
        raise PermissionDenied
    if not user.has_perm("events.change_registration"):
        raise PermissionDenied
    return get_object_or_404(
        scope.sessions_for_organizer(user).select_related("training"), pk=session_id
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _door_page(
    request: HttpRequest, session: TrainingSession, *, walk_in: WalkInForm, status: int = 200
) -> HttpResponse:
    query = request.GET.get("q", "")
    return render(
        request,
        "events/organize/checkin.html",
        {
            "session": session,
            # Outside the check-in window the page says so and asks for a reason.
            "door_closed": checkin_selectors.checkin_closed_reason(session, timezone.now()),
            "checkin_opens_before": settings.CHECKIN_OPENS_BEFORE_MINUTES,
            "checkin_grace": settings.CHECKIN_GRACE_MINUTES,
            "query": query,
            "results": checkin_selectors.search_for_checkin(session_id=session.pk, query=query),
            "counts": checkin_selectors.checkin_counts(session.pk),
            "walk_in": walk_in,
            "code_alphabet": tokens.CODE_ALPHABET,
            "code_length": tokens.CODE_LENGTH,
            "code_max_input": tokens.MAX_CODE_INPUT,
            "code_separators": tokens.CODE_SEPARATORS,
        },
        status=status,
    )


def _walk_in_form(session: TrainingSession, data=None) -> WalkInForm:
    door_open = not checkin_selectors.checkin_closed_reason(session, timezone.now())
    return WalkInForm(data, auto_id="walk-in-%s", door_open=door_open)


@never_cache
@login_required
@require_GET
def checkin_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _organizer_session(request, session_id)
    return _door_page(request, session, walk_in=_walk_in_form(session))


@never_cache
@login_required
@require_POST
def walk_in_submit(request: HttpRequest, session_id: int) -> HttpResponse:
    """Add someone who came without a place and check them in; errors stay on the door page."""
    session = _organizer_session(request, session_id)
    form = _walk_in_form(session, request.POST)
    if not form.is_valid():
        return _door_page(request, session, walk_in=form, status=400)
    data = form.cleaned_data
    try:
        walk_in = checkin_services.add_walk_in(
            session_id=session.pk,
            full_name=data["full_name"],
            email=data["email"],
            sector_id=data["sector"].pk,
            organization=data["organization"],
            # Their emails (the certificate) follow the language the door page is in.
            language=request.LANGUAGE_CODE,
            actor=request.user,
            override_reason=data.get("reason", ""),
        )
    except checkin_services.WalkInRefused as refusal:
        messages.error(request, _("Nobody can be added: %(reason)s.") % {"reason": refusal})
        return redirect("events:organize_checkin", session.pk)
    name = walk_in.registration.full_name
    if walk_in.already_checked_in:
        messages.warning(
            request, _("%(name)s was already registered and checked in.") % {"name": name}
        )
    elif not walk_in.added:
        messages.success(
            request,
            _("%(name)s was already registered: checked in on that registration.") % {"name": name},
        )
    elif walk_in.over_capacity:
        messages.success(
            request,
            _(
                "%(name)s is added and checked in. The session was full: the extra seat "
                "is noted in the audit trail."
            )
            % {"name": name},
        )
    else:
        messages.success(request, _("%(name)s is added and checked in.") % {"name": name})
    return redirect("events:organize_checkin", session.pk)


@never_cache
@login_required
@require_GET
def checkin_counts(request: HttpRequest, session_id: int) -> JsonResponse:
    session = _organizer_session(request, session_id)
    return JsonResponse(checkin_selectors.checkin_counts(session.pk))


def _find(request: HttpRequest, session: TrainingSession) -> Registration | None:
    code = request.POST.get("code", "")
    if code:
        return checkin_selectors.find_by_checkin_code(session_id=session.pk, code=code)
    registration_id = request.POST.get("registration", "")
    if not registration_id.isdigit():
        return None
    return checkin_selectors.registration_in_session(
        session_id=session.pk, registration_id=int(registration_id)
    )


def _local_time(session: TrainingSession, moment) -> str:
    return date_format(timezone.localtime(moment, session.tzinfo), "CLOCK_FORMAT")


@never_cache
@login_required
@require_POST
def checkin_submit(request: HttpRequest, session_id: int) -> HttpResponse:
    """Check one person in, by registration (search result) or scanned code."""
    session = _organizer_session(request, session_id)
    registration = _find(request, session)
    result, status = {"registration": None, "name": ""}, 200
    if registration is None:
        result.update(outcome="not_found", message=_("Not found for this session."))
        status = 404
    else:
        result.update(registration=registration.pk, name=registration.full_name)
        try:
            registration = checkin_services.check_in(
                registration_id=registration.pk,
                actor=request.user,
                # Only the door page's form outside the check-in window sends one.
                override_reason=request.POST.get("reason", "")[:500],
            )
        except checkin_services.AlreadyCheckedIn as already:
            when = _local_time(session, already.registration.checked_in_at)
            result.update(
                outcome="already",
                checked_in_at=when,
                message=_("%(name)s was already checked in at %(time)s.")
                % {"name": registration.full_name, "time": when},
            )
        except checkin_services.CheckInRefused as refusal:
            result.update(
                outcome="refused",
                message=_("%(name)s cannot be checked in: %(reason)s.")
                % {"name": registration.full_name, "reason": refusal},
            )
            status = 409
        else:
            when = _local_time(session, registration.checked_in_at)
            result.update(
                outcome="checked_in",
                checked_in_at=when,
                message=_("%(name)s is checked in.") % {"name": registration.full_name},
            )
    if _wants_json(request):
        result["counts"] = checkin_selectors.checkin_counts(session.pk)
        return JsonResponse(result, status=status)
    level = messages.SUCCESS if result["outcome"] == "checked_in" else messages.WARNING
    if result["outcome"] in {"not_found", "refused"}:
        level = messages.ERROR
    messages.add_message(request, level, result["message"])
    url = reverse("events:organize_checkin", args=[session.pk])
    back = request.POST.get("q", "")
    return redirect(f"{url}?{urlencode({'q': back})}" if back else url)


# --- offline -----------------------------------------------------------------------

# Bigger than MAX_BATCH items of the longest allowed fields; anything larger is
# refused before it is parsed.
MAX_SYNC_BYTES = 64 * 1024
MAX_DEVICE_LABEL = 100
# What the service worker keeps for the page to load without signal.
OFFLINE_ASSETS = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.min.js",
    "css/site.css",
    "js/door-store.js",
    "js/checkin.js",
    "vendor/jsqr/jsQR.js",
    "favicon.svg",
)


def _organizer_session_or_404(request: HttpRequest, session_id: int) -> TrainingSession:
    """Like _organizer_session, but everyone else (signed in or not) gets a 404."""
    if not request.user.is_authenticated:
        raise Http404
    try:
        return _organizer_session(request, session_id)
    except PermissionDenied:
        raise Http404 from None


@require_GET
def checkin_snapshot(request: HttpRequest, session_id: int) -> JsonResponse:
    """The roster a door device keeps for offline use: no email; 404 to anyone but the
    session's organizers; never stored by a cache on the way."""
    session = _organizer_session_or_404(request, session_id)
    response = JsonResponse(checkin_selectors.checkin_snapshot(session))
    response["Cache-Control"] = "no-store"
    return response


def _parse_scan(item) -> checkin_services.OfflineScan | None:
    """One queue item as the service takes it, or None when it is malformed."""
    if not isinstance(item, dict):
        return None
    nonce, code = item.get("nonce"), item.get("code")
    scanned_at, device = item.get("scanned_at"), item.get("device", "")
    if not all(isinstance(value, str) for value in (nonce, code, scanned_at, device)):
        return None
    try:
        nonce = uuid.UUID(nonce)
        moment = parse_datetime(scanned_at)
    except ValueError:
        return None
    if moment is None or timezone.is_naive(moment) or len(code) > tokens.MAX_CODE_INPUT:
        return None
    device = device.replace("\x00", "").strip()[:MAX_DEVICE_LABEL]
    return checkin_services.OfflineScan(nonce=nonce, code=code, scanned_at=moment, device=device)


def _who(registration: Registration) -> str:
    """Who made the recorded check-in: the organizer, and the device when it was offline."""
    user = registration.checked_in_by
    name = (user.get_full_name() or user.email) if user else ""
    device = checkin_selectors.check_in_device(registration)
    if device:
        return f"{name} ({device})" if name else device
    return name


def _scan_result(session: TrainingSession, scan: CheckInScan, replay: bool) -> dict:
    registration = scan.registration
    name = registration.full_name if registration else ""
    result = {
        "nonce": str(scan.nonce),
        "outcome": scan.outcome,
        "replay": replay,
        "registration": registration.pk if registration else None,
        "name": name,
        "checked_in_at": None,
        "by": "",
    }
    if scan.outcome == CheckInScan.Outcome.REFUSED:
        if name:
            message = _("%(name)s cannot be checked in: %(reason)s.")
        else:
            message = _("Code %(code)s cannot be checked in: %(reason)s.")
        result["message"] = message % {"name": name, "code": scan.code, "reason": scan.reason}
        return result
    registration.refresh_from_db(fields=["checked_in_at", "checked_in_by"])
    result["checked_in_at"] = registration.checked_in_at.isoformat()
    when = _local_time(session, registration.checked_in_at)
    if scan.outcome == CheckInScan.Outcome.CHECKED_IN:
        result["message"] = _("%(name)s is checked in.") % {"name": name}
        return result
    result["by"] = _who(registration)
    if result["by"]:
        message = _("%(name)s was already checked in by %(by)s at %(time)s.")
    else:
        message = _("%(name)s was already checked in at %(time)s.")
    result["message"] = message % {"name": name, "by": result["by"], "time": when}
    return result


def _malformed(item) -> dict:
    nonce = item.get("nonce") if isinstance(item, dict) else None
    return {
        "nonce": nonce if isinstance(nonce, str) else None,
        "outcome": CheckInScan.Outcome.REFUSED,
        "replay": False,
        "registration": None,
        "name": "",
        "checked_in_at": None,
        "by": "",
        "message": _("This check-in could not be read: it needs a nonce, a code and a time."),
    }


def _sync_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


@never_cache
@login_required
@require_POST
def checkin_sync(request: HttpRequest, session_id: int) -> JsonResponse:
    """Upload a device's queue of offline check-ins: {"items": [{nonce, code,
    scanned_at, device}, ...]}. Each item is answered on its own (checked_in,
    already, refused); a nonce seen before changes nothing."""
    session = _organizer_session(request, session_id)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_SYNC_BYTES:
        return _sync_error(
            _("This upload is too large: send at most %(count)d check-ins at a time.")
            % {"count": checkin_services.MAX_BATCH},
            413,
        )
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        return _sync_error(_("This upload is not valid JSON."), 400)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return _sync_error(_("This upload has no list of check-ins."), 400)
    if len(items) > checkin_services.MAX_BATCH:
        return _sync_error(
            _("This upload is too large: send at most %(count)d check-ins at a time.")
            % {"count": checkin_services.MAX_BATCH},
            413,
        )
    results = []
    for item in items:
        scan = _parse_scan(item)
        if scan is None:
            results.append(_malformed(item))
            continue
        stored, replay = checkin_services.record_offline_scan(
            session=session, scan=scan, actor=request.user
        )
        results.append(_scan_result(session, stored, replay))
    return JsonResponse(
        {"results": results, "counts": checkin_selectors.checkin_counts(session.pk)}
    )


@never_cache
@login_required
@require_GET
def checkin_manifest(request: HttpRequest, session_id: int) -> JsonResponse:
    """The web app manifest that lets a volunteer add this door page to the home screen."""
    session = _organizer_session(request, session_id)
    manifest = {
        "name": _("Door check-in: %(title)s") % {"title": session.training.title},
        "short_name": _("Door check-in"),
        "start_url": reverse("events:organize_checkin", args=[session.pk]),
        "scope": reverse("events:organize_checkin", args=[session.pk]),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [{"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


@require_GET
def checkin_service_worker(request: HttpRequest) -> HttpResponse:
    """The door page's service worker. Served from /organize/ so that its scope covers
    every door page; it holds no data, only the list of assets to keep offline."""
    assets = [static(path) for path in OFFLINE_ASSETS]
    # Hashed names (production) change the version whenever an asset changes.
    version = hashlib.sha256("\n".join(assets).encode()).hexdigest()[:12]
    response = render(
        request,
        "events/organize/checkin-sw.js",
        {"assets_json": json.dumps(assets), "version": version},
        content_type="text/javascript",
    )
    # Browsers check for a new worker on each visit; no other cache should keep it.
    response["Cache-Control"] = "no-cache"
    return response
