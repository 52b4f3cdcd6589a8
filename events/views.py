"""Public pages: home, catalogue, session page and registration, the manage page."""

from datetime import datetime

from django.contrib import messages
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from events import page_cache
from events.documents.ics import session_calendar
from events.forms import (
    CatalogueFilterForm,
    RegistrationForm,
    ReminderPreferenceForm,
    ResendManageLinkForm,
)
from events.models import Registration, TrainingSession
from events.selectors import catalog as selectors
from events.services import registration as registration_service
from events.services.waitlist import waitlist_position

CATALOGUE_PAGE_SIZE = 12
# Rendered fragments (crispy forms, session cards) are cached under keys built from
# the public version (events/page_cache.py) and everything they show that can change
# (counts, status, updated_at). This bound is for edits made around the services.
FRAGMENT_SECONDS = 120
# Public ids are 10 letters and digits; anything else is not worth a query (and a
# NUL byte would make PostgreSQL refuse it with an error instead of "not found").
MAX_PUBLIC_ID = 16


def _plausible_public_id(public_id: str) -> bool:
    return len(public_id) <= MAX_PUBLIC_ID and public_id.isascii() and public_id.isalnum()


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return page_cache.serve(request, "home", lambda: _render_home(request))


def _render_home(request: HttpRequest) -> tuple[HttpResponse, datetime]:
    now = timezone.now()
    sessions = list(selectors.upcoming_sessions(now=now)[:3])
    response = render(
        request,
        "events/home.html",
        {
            "sessions": sessions,
            "cards_key": _cards_key(sessions),
            "fragment_seconds": FRAGMENT_SECONDS,
            "public_version": page_cache.public_version(request),
        },
    )
    return response, _listing_changes(sessions, first_end=selectors.first_end_after(now))


def _listing_changes(sessions: list[TrainingSession], *, first_end: datetime | None) -> datetime:
    """When a list of upcoming sessions changes by the clock: one of them opens,
    closes or starts, or the first upcoming session ends (and leaves every list)."""
    return page_cache.next_change(sessions, now=timezone.now(), also=[first_end])


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    return page_cache.serve(request, "catalogue", lambda: _render_catalogue(request))


def _render_catalogue(request: HttpRequest) -> tuple[HttpResponse, datetime]:
    now = timezone.now()
    version = page_cache.public_version(request)
    cities = caches["fragments"].get_or_set(
        f"catalogue-cities:{version}", selectors.catalogue_cities, FRAGMENT_SECONDS
    )
    filtered = bool(request.GET)
    if filtered:
        form = CatalogueFilterForm(request.GET, cities=cities)
    else:
        # Built only if the page renders it: a blank form usually comes from the cache.
        form = SimpleLazyObject(lambda: CatalogueFilterForm(cities=cities))
    filters = {}
    if filtered and form.is_valid():
        data = form.cleaned_data
        filters = {
            "sector": data["sector"].slug if data["sector"] else "",
            "city": data["city"],
            "month": data["month"],
            "mode": data["mode"],
        }
    page = Paginator(selectors.upcoming_sessions(now=now, **filters), CATALOGUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    # The past list changes when the first upcoming session ends.
    first_end = selectors.first_end_after(now)
    response = render(
        request,
        "events/catalogue.html",
        {
            "form": form,
            "page": page,
            "cards_key": _cards_key(page.object_list),
            "cities_key": "|".join(cities),
            "filtered": filtered,
            "past_sessions": selectors.past_sessions(now=now)[:6],
            "past_key": first_end.isoformat() if first_end else "",
            "query": query.urlencode(),
            "fragment_seconds": FRAGMENT_SECONDS,
            "public_version": version,
        },
    )
    return response, _listing_changes(page.object_list, first_end=first_end)


def _session_key(session: TrainingSession) -> str:
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
        )
    )


def _cards_key(sessions: list[TrainingSession]) -> str:
    return "|".join(_session_key(session) for session in sessions)


def _get_session(request: HttpRequest, public_id: str) -> TrainingSession:
    """The session for a public page; drafts only for staff previewing them."""
    session = None
    if _plausible_public_id(public_id):
        session = selectors.session_for_page(public_id, include_drafts=request.user.is_staff)
    if session is None:
        raise Http404(_("No such session."))
    return session


def _initial_from_user(user) -> dict:
    if not user.is_authenticated:
        return {}
    return {
        "full_name": user.full_name,
        "email": user.email,
        "organization": user.organization,
        "sector": user.default_sector_id,
        "job_title": user.job_title,
    }


def _attendee_from(form: RegistrationForm, user) -> registration_service.AttendeeDetails:
    data = form.cleaned_data
    return registration_service.AttendeeDetails(
        full_name=data["full_name"],
        email=data["email"],
        organization=data["organization"],
        sector_id=data["sector"].pk,
        job_title=data["job_title"],
        accommodations=data["accommodations"],
        user_id=user.pk if user.is_authenticated else None,
    )


# The registration form's sectors, kept per process until the catalog version moves.
_active_sectors = page_cache.PerVersion(selectors.active_sectors).get


def _session_id(public_id: str) -> int | None:
    """The primary key behind a public id, from the cache when possible.

    The pair never changes, so it can be cached for long. A draft's id is returned
    too: the service refuses drafts, and the error page (_get_session) then answers
    404 to anyone but staff.
    """
    if not _plausible_public_id(public_id):
        return None
    key = f"session-pk:{public_id}"
    session_id = caches["fragments"].get(key)
    if session_id is None:
        session_id = selectors.session_id_for_registration(public_id, include_drafts=True)
        if session_id is not None:
            caches["fragments"].set(key, session_id, 24 * 3600)
    return session_id


def _register(request: HttpRequest, public_id: str, form: RegistrationForm) -> tuple[str, int]:
    """Try to register; returns ("", 0) on success, else (closed reason, status)."""
    session_id = _session_id(public_id)
    if session_id is None:
        raise Http404(_("No such session."))
    if not form.is_valid():
        return "", 400
    try:
        registration_service.register_for_session(
            session_id=session_id, attendee=_attendee_from(form, request.user)
        )
    except registration_service.RegistrationClosed as closed:
        return str(closed), 409
    return "", 0


@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method != "POST":
        return page_cache.serve(
            request, "session", lambda: _render_session_page(request, public_id)
        )
    form = RegistrationForm(
        request.POST, initial=_initial_from_user(request.user), sectors=_active_sectors(request)
    )
    # The happy path reads only the session's id; the service re-reads the row
    # under its lock, so the full page is loaded only to show errors.
    closed_reason, status = _register(request, public_id, form)
    if not status:
        return redirect("events:registered", public_id=public_id)
    response, _until = _render_session_page(
        request, public_id, form=form, closed_reason=closed_reason, status=status
    )
    return response


def _render_session_page(
    request: HttpRequest,
    public_id: str,
    *,
    form: RegistrationForm | None = None,
    closed_reason: str = "",
    status: int = 200,
) -> tuple[HttpResponse, datetime]:
    initial = _initial_from_user(request.user)
    # A blank form renders the same for every visitor: its crispy HTML is cached.
    form_cacheable = form is None and not initial
    if form is None:
        # Built only if the page renders it: a blank form usually comes from the cache.
        form = SimpleLazyObject(
            lambda: RegistrationForm(initial=initial, sectors=_active_sectors(request))
        )
    session = _get_session(request, public_id)
    closed_reason = closed_reason or session.registration_closed_reason()
    response = render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "form": form,
            "form_cacheable": form_cacheable,
            "details_key": _session_key(session),
            "fragment_seconds": FRAGMENT_SECONDS,
            "public_version": page_cache.public_version(request),
            "closed_reason": closed_reason,
            "seats_left": session.seats_left,
            "is_full": session.is_full,
        },
        status=status,
    )
    return response, page_cache.next_change([session], now=timezone.now())


@require_safe
def registered(request: HttpRequest, public_id: str) -> HttpResponse:
    """The same answer for every registration, new or repeated: check your email."""
    session = _get_session(request, public_id)
    return render(request, "events/registered.html", {"session": session})


@require_safe
def session_ics(request: HttpRequest, public_id: str) -> HttpResponse:
    session = _get_session(request, public_id)
    response = HttpResponse(session_calendar(session), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="session-{session.public_id}.ics"'
    return response


def _get_registration(token: str) -> Registration:
    registration = registration_service.find_by_manage_token(token)
    if registration is None or registration.anonymized_at is not None:
        raise Http404(_("This link is not valid. It may have been mistyped."))
    return registration


def _private(response: HttpResponse) -> HttpResponse:
    # The token is a password: keep it out of Referer headers and shared caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def manage(request: HttpRequest, token: str) -> HttpResponse:
    registration = _get_registration(token)
    session = registration.session
    can_cancel = (
        registration.is_active
        and session.status != TrainingSession.Status.CANCELLED
        and session.starts_at > timezone.now()
    )
    return _private(
        render(
            request,
            "events/manage.html",
            {
                "registration": registration,
                "session": session,
                "token": token,
                "position": waitlist_position(registration),
                "can_cancel": can_cancel,
                "reminder_form": ReminderPreferenceForm(
                    initial={"reminders": not registration.reminders_opt_out}
                ),
            },
        )
    )


@require_POST
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = _get_registration(token)
    if registration.is_active:
        try:
            registration_service.cancel_registration(registration_id=registration.pk)
        except registration_service.CancellationClosed as closed:
            messages.error(request, str(closed))
        else:
            messages.success(
                request, _("Your registration is cancelled. Thank you for telling us.")
            )
    return redirect("events:manage", token=token)


@require_POST
def manage_reminders(request: HttpRequest, token: str) -> HttpResponse:
    registration = _get_registration(token)
    form = ReminderPreferenceForm(request.POST)
    if form.is_valid():
        registration_service.set_reminder_preference(
            registration_id=registration.pk, opt_out=not form.cleaned_data["reminders"]
        )
        messages.success(request, _("Your reminder preference is saved."))
    return redirect("events:manage", token=token)


@require_safe
def manage_ics(request: HttpRequest, token: str) -> HttpResponse:
    registration = _get_registration(token)
    manage_url = request.build_absolute_uri(registration.get_manage_url())
    response = HttpResponse(
        session_calendar(registration.session, manage_url=manage_url), content_type="text/calendar"
    )
    response["Content-Disposition"] = 'attachment; filename="training.ics"'
    return _private(response)


@require_http_methods(["GET", "POST"])
def resend_manage_link(request: HttpRequest) -> HttpResponse:
    """Ask for the manage link again. Known and unknown emails get the same answer."""
    form = ResendManageLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registration_service.resend_manage_links(email=form.cleaned_data["email"])
        return render(request, "events/resend_manage_link.html", {"sent": True})
    status = 400 if form.is_bound else 200
    return render(request, "events/resend_manage_link.html", {"form": form}, status=status)
