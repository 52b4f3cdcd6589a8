"""The door check-in page for organizers: search, one-click check-in, QR scan, live counts,
and walk-ins (someone without a place, added and checked in at once).

Staff only, and scoped exactly like the admin (events.selectors.roster): a session
the user does not organize is a 404. Check-in goes through the attendance service,
which refuses cancelled and waitlisted people and ignores a second check-in.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from events.forms import WalkInForm
from events.models import Registration, TrainingSession
from events.selectors import roster as roster_selectors
from events.services import attendance, walk_ins


def _organizer_session(request: HttpRequest, session_id: int) -> TrainingSession:
    """The session, if this staff user may check people in to it; 404 otherwise."""
    user = request.user
    if not user.is_staff:
        raise PermissionDenied
    if not user.has_perm("events.change_registration"):
        raise PermissionDenied
    return get_object_or_404(
        roster_selectors.sessions_for_organizer(user).select_related("training"), pk=session_id
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
            "query": query,
            "results": roster_selectors.search_for_checkin(session_id=session.pk, query=query),
            "counts": roster_selectors.checkin_counts(session.pk),
            "walk_in": walk_in,
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def checkin_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _organizer_session(request, session_id)
    return _door_page(request, session, walk_in=WalkInForm(auto_id="walk-in-%s"))


@never_cache
@login_required
@require_POST
def walk_in_submit(request: HttpRequest, session_id: int) -> HttpResponse:
    """Add someone who came without a place and check them in; errors stay on the door page."""
    session = _organizer_session(request, session_id)
    form = WalkInForm(request.POST, auto_id="walk-in-%s")
    if not form.is_valid():
        return _door_page(request, session, walk_in=form, status=400)
    data = form.cleaned_data
    try:
        walk_in = walk_ins.add_walk_in(
            session_id=session.pk,
            full_name=data["full_name"],
            email=data["email"],
            sector_id=data["sector"].pk,
            organization=data["organization"],
            actor=request.user,
        )
    except walk_ins.WalkInRefused as refusal:
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
    return JsonResponse(roster_selectors.checkin_counts(session.pk))


def _find(request: HttpRequest, session: TrainingSession) -> Registration | None:
    code = request.POST.get("code", "")
    if code:
        return roster_selectors.find_by_checkin_code(session_id=session.pk, code=code)
    registration_id = request.POST.get("registration", "")
    if not registration_id.isdigit():
        return None
    return Registration.objects.filter(session=session, pk=int(registration_id)).first()


def _local_time(session: TrainingSession, moment) -> str:
    return f"{timezone.localtime(moment, session.tzinfo):%-I:%M %p}"


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
            registration = attendance.check_in(registration_id=registration.pk, actor=request.user)
        except attendance.AlreadyCheckedIn as already:
            when = _local_time(session, already.registration.checked_in_at)
            result.update(
                outcome="already",
                checked_in_at=when,
                message=_("%(name)s was already checked in at %(time)s.")
                % {"name": registration.full_name, "time": when},
            )
        except attendance.CheckInRefused as refusal:
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
        result["counts"] = roster_selectors.checkin_counts(session.pk)
        return JsonResponse(result, status=status)
    level = messages.SUCCESS if result["outcome"] == "checked_in" else messages.WARNING
    if result["outcome"] in {"not_found", "refused"}:
        level = messages.ERROR
    messages.add_message(request, level, result["message"])
    url = reverse("events:organize_checkin", args=[session.pk])
    back = request.POST.get("q", "")
    return redirect(f"{url}?{urlencode({'q': back})}" if back else url)
