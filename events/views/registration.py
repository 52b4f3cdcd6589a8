"""Registering: the session page and its form, the answer after it, the manage page."""

import hashlib
import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from events.documents.ics import session_calendar
from events.forms import (
    AttendeeDetailsForm,
    RegistrationForm,
    ReminderPreferenceForm,
    ResendManageLinkForm,
)
from events.models import Registration, Sector, TrainingSession
from events.models.tokens import plausible_public_id
from events.selectors import catalog as selectors
from events.selectors import offers as offer_selectors
from events.selectors.registrations import find_by_manage_token
from events.selectors.waitlist import waitlist_position
from events.services import checkin
from events.services import registration as registration_service

from . import evaluations as evaluation_views
from . import seat_holds as seat_hold_views
from .catalog import session_key
from .page_cache import (
    FRAGMENT_SECONDS,
    catalog_version,
    fragment,
    fresh_until,
    next_change,
    private_page,
    stored_page,
)


def _get_session(request: HttpRequest, public_id: str) -> TrainingSession:
    """The session for a public page; drafts only for staff previewing them.

    Kept in the fragment cache under the session's versions, so it is exactly as
    fresh as the session's stored page: a registration or an edit moves them.
    """
    if not plausible_public_id(public_id):
        raise Http404(_("No such session."))
    drafts = request.user.is_staff
    session = fragment(
        request,
        f"session-page:{public_id}:{drafts}",
        lambda: selectors.session_for_page(public_id, include_drafts=drafts),
        session=public_id,
    )
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


def _digest(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _attendee_from(
    form: RegistrationForm, user, *, language: str
) -> registration_service.AttendeeDetails:
    data = form.cleaned_data
    return registration_service.AttendeeDetails(
        full_name=data["full_name"],
        email=data["email"],
        organization=data["organization"],
        sector_id=data["sector"].pk,
        job_title=data["job_title"],
        accommodations=data["accommodations"],
        user_id=user.pk if user.is_authenticated else None,
        timezone=data["timezone"],
        language=language,
    )


def _active_sectors(request: HttpRequest) -> list[Sector]:
    """The sectors a registrant can choose; they change only with the catalog version."""
    return fragment(request, "active-sectors", selectors.active_sectors)


def _register(request: HttpRequest, public_id: str, form: RegistrationForm) -> tuple[str, int]:
    """Try to register; returns ("", 0) on success, else (closed reason, status).

    The service locks the session by its public id, drafts included: it refuses
    drafts, and the page with the error (_get_session) answers 404 to all but staff.
    """
    if not plausible_public_id(public_id):
        raise Http404(_("No such session."))
    if not form.is_valid():
        return "", 400  # the page with the errors answers 404 for an unknown session
    try:
        registration_service.register_for_session(
            public_id=public_id,
            attendee=_attendee_from(form, request.user, language=request.LANGUAGE_CODE),
        )
    except registration_service.RegistrationClosed as closed:
        return str(closed), 409
    except TrainingSession.DoesNotExist:
        raise Http404(_("No such session.")) from None
    return "", 0


@require_http_methods(["GET", "POST"])
@stored_page("session", session_from="public_id", early=True)
def session_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method != "POST":
        return _session_page(request, public_id)
    form = RegistrationForm(
        request.POST, initial=_initial_from_user(request.user), sectors=_active_sectors(request)
    )
    # The happy path reads only the session's id; the service re-reads the row
    # under its lock, so the full page is loaded only to show errors.
    closed_reason, status = _register(request, public_id, form)
    if not status:
        return redirect("events:registered", public_id=public_id)
    return _session_page(request, public_id, form=form, closed_reason=closed_reason, status=status)


def _session_page(
    request: HttpRequest,
    public_id: str,
    *,
    form: RegistrationForm | None = None,
    closed_reason: str = "",
    status: int = 200,
) -> HttpResponse:
    initial = _initial_from_user(request.user)
    # A form not yet sent renders the same for everyone with the same details filled
    # in (none, for visitors who are not signed in): its crispy HTML is cached by them.
    form_key = _digest(initial) if form is None else ""
    if form is None:
        # Built only if the page renders it: a blank form usually comes from the cache.
        form = SimpleLazyObject(
            lambda: RegistrationForm(initial=initial, sectors=_active_sectors(request))
        )
    session = _get_session(request, public_id)
    refusal = closed_reason  # a registration just refused; the page says why
    session_closed = session.registration_closed_reason()
    closed_reason = closed_reason or session_closed
    now = timezone.now()
    ended = session.has_ended(now)
    # An ended session's page points to the training's next sessions. A stored copy may
    # miss one published in the last two minutes (stored pages live that long at most).
    next_sessions = selectors.next_sessions_of_training(session, now=now) if ended else []
    seat_holds, seat_moments = seat_hold_views.page_context(request, session, now=now)
    response = render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "form": form,
            "form_key": form_key,
            "details_key": session_key(session),
            "fragment_seconds": FRAGMENT_SECONDS,
            "catalog_version": catalog_version(request),
            "closed_reason": closed_reason,
            "seats_left": session.seats_left,
            "is_full": session.is_full,
            "ended": ended,
            "refusal": refusal,
            # The phone's "Register" link at the top follows the session's state alone
            # (not a refusal just given to one visitor): it sits in the cached details.
            "form_open": not ended and not session_closed,
            "next_sessions": next_sessions,
            **seat_holds,
        },
        status=status,
    )
    return fresh_until(response, next_change([session, *next_sessions], now=now, also=seat_moments))


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


def registration_from_token(token: str) -> Registration:
    registration = find_by_manage_token(token)
    if registration is None or registration.anonymized_at is not None:
        raise Http404(_("This link is not valid. It may have been mistyped."))
    return registration


@require_safe
def manage(request: HttpRequest, token: str) -> HttpResponse:
    registration = registration_from_token(token)
    return _manage_page(request, registration, token)


def _details_form(
    request: HttpRequest, registration: Registration, data=None
) -> AttendeeDetailsForm:
    """The corrections form: the active sectors, and the registrant's own one even if it
    has since been retired (so that saving other fields does not force a new choice)."""
    sectors = _active_sectors(request)
    if all(sector.pk != registration.sector_id for sector in sectors):
        sectors = [*sectors, registration.sector]
    return AttendeeDetailsForm(
        data, initial=AttendeeDetailsForm.initial_for(registration), sectors=sectors
    )


def _manage_page(
    request: HttpRequest,
    registration: Registration,
    token: str,
    *,
    details_form: AttendeeDetailsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The manage page offers what still makes sense for this place at this moment."""
    session = registration.session
    now = timezone.now()
    session_on = session.status != TrainingSession.Status.CANCELLED
    upcoming = session_on and session.starts_at > now
    has_certificate = hasattr(registration, "certificate")
    can_correct = registration.is_active and not has_certificate
    if can_correct and details_form is None:
        details_form = _details_form(request, registration)
    return private_page(
        render(
            request,
            "events/manage.html",
            {
                "registration": registration,
                "session": session,
                "token": token,
                "position": waitlist_position(registration),
                "can_cancel": _can_cancel(registration),
                "can_register_again": not registration.is_active
                and not session.registration_closed_reason(),
                # Directions for a place until the session ends; a calendar entry only
                # for a seat, and only before it starts; reminders only before it starts.
                "show_directions": registration.is_active
                and session_on
                and not session.has_ended(now),
                "show_calendar": upcoming and registration.status == Registration.Status.CONFIRMED,
                "show_reminders": upcoming and registration.is_active,
                "details_form": details_form if can_correct else None,
                "details_locked": registration.is_active and has_certificate,
                "reminder_form": ReminderPreferenceForm(
                    initial={"reminders": not registration.reminders_opt_out}
                ),
                **evaluation_views.manage_page_context(registration),
                "offer": offer_selectors.shown_offer(registration),
            },
            status=status,
        )
    )


def _can_cancel(registration: Registration) -> bool:
    session = registration.session
    return (
        registration.is_active
        and session.status != TrainingSession.Status.CANCELLED
        and session.starts_at > timezone.now()
    )


@require_POST
def manage_details(request: HttpRequest, token: str) -> HttpResponse:
    """Save the registrant's corrections to their own details (not their email)."""
    registration = registration_from_token(token)
    form = _details_form(request, registration, data=request.POST)
    if not form.is_valid():
        return _manage_page(request, registration, token, details_form=form, status=400)
    if not form.has_changed():
        messages.info(request, _("Nothing to save: your details are as they were."))
        return redirect("events:manage", token=token)
    data = form.cleaned_data
    try:
        registration_service.correct_attendee_details(
            registration_id=registration.pk,
            details=registration_service.DetailsCorrection(
                full_name=data["full_name"],
                organization=data["organization"],
                sector_id=data["sector"].pk,
                job_title=data["job_title"],
                accommodations=data["accommodations"],
                language=data["language"],
            ),
        )
    except registration_service.DetailsLocked as locked:
        messages.error(request, str(locked))
    else:
        messages.success(request, _("Your details are saved."))
    return redirect("events:manage", token=token)


@require_http_methods(["GET", "POST"])
def manage_register_again(request: HttpRequest, token: str) -> HttpResponse:
    """After cancelling: the session's registration form, filled in with the details of
    the cancelled registration (read here, through the token: they never travel in an
    address). Sending it registers as the session page's form does."""
    registration = registration_from_token(token)
    session = registration.session
    if registration.is_active or session.registration_closed_reason():
        return redirect("events:manage", token=token)
    # The details a registrant may correct, and the email they registered with.
    initial = {**AttendeeDetailsForm.initial_for(registration), "email": registration.email}
    sectors = _active_sectors(request)
    if request.method == "POST":
        form = RegistrationForm(request.POST, initial=initial, sectors=sectors)
        closed_reason, status = _register(request, session.public_id, form)
        if not status:
            return redirect("events:registered", public_id=session.public_id)
    else:
        form, closed_reason, status = RegistrationForm(initial=initial, sectors=sectors), "", 200
    return private_page(
        render(
            request,
            "events/manage/register_again.html",
            {
                "registration": registration,
                "session": session,
                "token": token,
                "form": form,
                "closed_reason": closed_reason,
                "is_full": session.is_full,
            },
            status=status,
        )
    )


@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks "are you sure?" (and changes nothing, so a link scanner cannot cancel);
    the POST from that page cancels."""
    registration = registration_from_token(token)
    if request.method == "GET":
        if not _can_cancel(registration):
            return redirect("events:manage", token=token)
        return private_page(
            render(
                request,
                "events/manage/cancel.html",
                {"registration": registration, "session": registration.session, "token": token},
            )
        )
    if registration.is_active:
        waiting = registration.status == Registration.Status.WAITLISTED
        try:
            registration_service.cancel_registration(registration_id=registration.pk)
        except registration_service.CancellationClosed as closed:
            messages.error(request, str(closed))
        else:
            messages.success(
                request,
                _("You have left the waiting list. Thank you for telling us.")
                if waiting
                else _("Your registration is cancelled. Thank you for telling us."),
            )
    return redirect("events:manage", token=token)


@require_http_methods(["GET", "POST"])
def manage_join(request: HttpRequest, token: str) -> HttpResponse:
    """An online session's door: GET shows "Join now" (so that a mail scanner opening the
    link records nothing); the POST notes the join as evidence and goes to the meeting."""
    registration = registration_from_token(token)
    session = registration.session
    if not session.online_url:
        return redirect("events:manage", token=token)
    joinable = (
        registration.status == Registration.Status.CONFIRMED
        and session.status != TrainingSession.Status.CANCELLED
    )
    if request.method == "POST" and joinable:
        checkin.record_joined(registration_id=registration.pk)
        return redirect(session.online_url)
    return private_page(
        render(
            request,
            "events/manage/join.html",
            {
                "registration": registration,
                "session": session,
                "token": token,
                "joinable": joinable,
            },
        )
    )


@require_POST
def manage_reminders(request: HttpRequest, token: str) -> HttpResponse:
    registration = registration_from_token(token)
    form = ReminderPreferenceForm(request.POST)
    if form.is_valid():
        registration_service.set_reminder_preference(
            registration_id=registration.pk, opt_out=not form.cleaned_data["reminders"]
        )
        messages.success(request, _("Your reminder preference is saved."))
    return redirect("events:manage", token=token)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def manage_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058), the address in every email's List-Unsubscribe.

    A mailbox provider POSTs "List-Unsubscribe=One-Click" here and reminders are
    switched off, with no page and no CSRF token: the provider has neither, and the
    token in the address is the secret. Opening the link (a GET, which link scanners
    also make) changes nothing: it leads to the manage page, where reminders can be
    switched off by hand.
    """
    registration = registration_from_token(token)
    if request.method == "GET":
        return redirect("events:manage", token=token)
    if request.POST.get("List-Unsubscribe") != "One-Click":
        answer = HttpResponse(
            _('Send "List-Unsubscribe=One-Click" to switch reminders off.'),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
        return private_page(answer)
    registration_service.set_reminder_preference(registration_id=registration.pk, opt_out=True)
    answer = HttpResponse(
        _("Reminders for this registration are switched off."),
        content_type="text/plain; charset=utf-8",
    )
    return private_page(answer)


@require_safe
def manage_ics(request: HttpRequest, token: str) -> HttpResponse:
    registration = registration_from_token(token)
    session = registration.session
    manage_url = request.build_absolute_uri(registration.get_manage_url())
    join_url = request.build_absolute_uri(registration.get_join_url()) if session.online_url else ""
    response = HttpResponse(
        session_calendar(session, manage_url=manage_url, join_url=join_url),
        content_type="text/calendar",
    )
    response["Content-Disposition"] = 'attachment; filename="training.ics"'
    return private_page(response)


@require_http_methods(["GET", "POST"])
def resend_manage_link(request: HttpRequest) -> HttpResponse:
    """Ask for the manage link again. Known and unknown emails get the same answer."""
    form = ResendManageLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registration_service.resend_manage_links(email=form.cleaned_data["email"])
        return render(request, "events/resend_manage_link.html", {"sent": True})
    status = 400 if form.is_bound else 200
    return render(request, "events/resend_manage_link.html", {"form": form}, status=status)
