"""Public pages: home, catalogue, session page and registration, the manage page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events import selectors
from events.forms import CatalogueFilterForm, RegistrationForm, ReminderPreferenceForm
from events.ics import session_calendar
from events.models import Registration, TrainingSession
from events.services import registration as registration_service
from events.services.waitlist import waitlist_position


def home(request: HttpRequest) -> HttpResponse:
    sessions = selectors.upcoming_sessions()[:3]
    return render(request, "events/home.html", {"sessions": sessions})


def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None, cities=selectors.catalogue_cities())
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "sector": data["sector"].slug if data["sector"] else "",
            "city": data["city"],
            "month": data["month"],
            "mode": data["mode"],
        }
    page = Paginator(selectors.upcoming_sessions(**filters), 12).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/catalogue.html",
        {
            "form": form,
            "page": page,
            "past_sessions": selectors.past_sessions()[:6],
            "query": query.urlencode(),
        },
    )


def _get_session(public_id: str) -> TrainingSession:
    session = selectors.session_for_page(public_id) if len(public_id) <= 16 else None
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


@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    session = _get_session(public_id)
    closed_reason = session.registration_closed_reason()
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        initial=_initial_from_user(request.user),
    )
    status = 200
    if request.method == "POST":
        if closed_reason:
            status = 409
        elif form.is_valid():
            data = form.cleaned_data
            attendee = registration_service.AttendeeDetails(
                full_name=data["full_name"],
                email=data["email"],
                organization=data["organization"],
                sector_id=data["sector"].pk,
                job_title=data["job_title"],
                accommodations=data["accommodations"],
                user_id=request.user.pk if request.user.is_authenticated else None,
            )
            try:
                registration_service.register_for_session(session_id=session.pk, attendee=attendee)
            except registration_service.RegistrationClosed as closed:
                closed_reason, status = str(closed), 409
            else:
                return redirect("events:registered", public_id=session.public_id)
        else:
            status = 400
    return render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "form": form,
            "closed_reason": closed_reason,
            "seats_left": session.seats_left,
            "is_full": session.is_full,
        },
        status=status,
    )


def registered(request: HttpRequest, public_id: str) -> HttpResponse:
    """The same answer for every registration, new or repeated: check your email."""
    session = _get_session(public_id)
    return render(request, "events/registered.html", {"session": session})


def session_ics(request: HttpRequest, public_id: str) -> HttpResponse:
    session = _get_session(public_id)
    response = HttpResponse(session_calendar(session), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="session-{session.public_id}.ics"'
    return response


def _get_registration(token: str) -> Registration:
    registration = registration_service.find_by_manage_token(token)
    if registration is None or registration.anonymized_at is not None:
        raise Http404(_("This link is not valid. It may have been mistyped."))
    return registration


def manage(request: HttpRequest, token: str) -> HttpResponse:
    registration = _get_registration(token)
    response = render(
        request,
        "events/manage.html",
        {
            "registration": registration,
            "session": registration.session,
            "token": token,
            "position": waitlist_position(registration),
            "reminder_form": ReminderPreferenceForm(
                initial={"reminders": not registration.reminders_opt_out}
            ),
        },
    )
    # The token is a password: keep it out of Referer headers and shared caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = _get_registration(token)
    if registration.status != Registration.Status.CANCELLED:
        registration_service.cancel_registration(registration_id=registration.pk)
        messages.success(request, _("Your registration is cancelled. Thank you for telling us."))
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


def manage_ics(request: HttpRequest, token: str) -> HttpResponse:
    registration = _get_registration(token)
    manage_url = request.build_absolute_uri(registration.get_manage_url())
    response = HttpResponse(
        session_calendar(registration.session, manage_url=manage_url), content_type="text/calendar"
    )
    response["Content-Disposition"] = 'attachment; filename="training.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
