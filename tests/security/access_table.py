"""The access-control matrix: every URL the project serves, as each of six users.

One row per URL pattern, keyed by its URL name ("events:manage"), or for an unnamed
pattern by "route:" and its route with the admin prefix written as "admin/". The
expected answers are in ROLES order:

    anonymous, attendee, other_attendee, other_organizer, organizer, superuser

An answer is a status code, or LOGIN for a redirect to a login page. Pages behind
a manage token or a certificate code answer the same for everybody: the token is
the credential, so the matrix also has a row with a wrong token.

Adding a URL: add its row here. test_access_matrix fails for any URL pattern that
has no row, and for any row whose URL is gone.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.security import access_world as w

LOGIN = "login"


@dataclass(frozen=True)
class Row:
    expect: tuple
    method: str = "GET"
    kwargs: Callable[[w.World], dict] = lambda world: {}
    data: Callable[[w.World], dict] = lambda world: {}
    query: str = ""
    # Send the URL (pattern key) instead of reversing a name, e.g. for unnamed routes.
    path: Callable[[w.World], str] | None = None


def _all(status) -> tuple:
    return (status,) * 6


PUBLIC = _all(200)
SIGNED_IN = (LOGIN, 200, 200, 200, 200, 200)
# Organizer pages outside the admin: only the session's organizers and superusers.
ORGANIZER_ONLY = (LOGIN, 403, 403, 404, 200, 200)


def _session(world):
    return {"public_id": world.session.public_id}


def _token(world):
    return {"token": world.token}


def _evaluation(world):
    return {"token": world.evaluation_token, "phase": "pre"}


def _issuance_run(world):
    """A certificate issuance run of the session (its organizers' and superusers' to see)."""
    from events.models import CertificateIssuance

    run, _ = CertificateIssuance.objects.get_or_create(
        session=world.session, scope=CertificateIssuance.Scope.SELECTION
    )
    return {"issuance_id": run.pk}


def _session_id(world):
    return {"session_id": world.session.pk}


def _door_upload(world):
    """One offline check-in of the session's registrant, as a door device uploads it."""
    scan = {
        "nonce": str(uuid.uuid4()),
        "code": world.registration.checkin_code,
        "scanned_at": datetime.now(UTC).isoformat(),
        "device": "Front door",
    }
    return json.dumps({"items": [scan]})


def _registration_form(world):
    return {
        "full_name": "New Person",
        "email": "new.person@example.org",
        "organization": "Clinic",
        "sector": world.sector.pk,
        "job_title": "Nurse",
        "accommodations": "",
        "consent": "on",
    }


SITE: dict[str, Row] = {
    "home": Row(PUBLIC),
    "privacy": Row(PUBLIC),
    "favicon": Row(_all(301)),
    # The language switcher: anyone may choose a language; it redirects back.
    "set_language": Row(_all(302), method="POST", data=lambda world: {"language": "es"}),
    # Accounts
    "accounts:signup": Row((200, 302, 302, 302, 302, 302)),
    "accounts:signup_done": Row(PUBLIC),
    "accounts:login": Row((200, 302, 302, 302, 302, 302)),
    "accounts:logout": Row(_all(302), method="POST"),
    # Confirms the address, then sends a visitor to log in and a user to the dashboard.
    "accounts:verify_email": Row((LOGIN, 302, 302, 302, 302, 302), kwargs=w.verify_email_kwargs),
    "accounts:profile": Row(SIGNED_IN),
    "accounts:dashboard": Row(SIGNED_IN),
    "accounts:data_export": Row(SIGNED_IN),
    "accounts:password_reset": Row(PUBLIC),
    "accounts:password_reset_done": Row(PUBLIC),
    "accounts:password_reset_confirm": Row(_all(302), kwargs=w.password_reset_kwargs),
    "accounts:password_reset_complete": Row(PUBLIC),
    # Catalogue and registration
    "events:catalog": Row(PUBLIC),
    "events:session_detail": Row(PUBLIC, kwargs=_session),
    "events:registered": Row(PUBLIC, kwargs=_session),
    "events:session_ics": Row(PUBLIC, kwargs=_session),
    # Public data for calendar apps and partner sites' iframes.
    "events:sessions_feed": Row(PUBLIC),
    "events:embed_sessions": Row(PUBLIC),
    "events:resend_manage_link": Row(PUBLIC),
    # The public API: read-only public data, the same answer for everybody.
    "api:schema": Row(PUBLIC),
    "api:docs": Row(PUBLIC),
    "api:session-list": Row(PUBLIC),
    "api:session-detail": Row(PUBLIC, kwargs=_session),
    "api:training-list": Row(PUBLIC),
    "api:training-detail": Row(PUBLIC, kwargs=lambda world: {"slug": world.session.training.slug}),
    "api:sector-list": Row(PUBLIC),
    # The manage link: the token is the credential, whoever holds it.
    "events:manage": Row(PUBLIC, kwargs=_token),
    "events:manage_cancel": Row(_all(302), method="POST", kwargs=_token),
    "events:manage_reminders": Row(
        _all(302), method="POST", kwargs=_token, data=lambda world: {"reminders": "on"}
    ),
    # The world's session is in person: its join link leads back to the manage page.
    "events:manage_join": Row(_all(302), kwargs=_token),
    "events:manage_ics": Row(PUBLIC, kwargs=_token),
    # The world's registration has its certificate: a correction is refused with a
    # message on the manage page, and registering again is for a cancelled place.
    "events:manage_details": Row(
        _all(302),
        method="POST",
        kwargs=_token,
        data=lambda world: {
            "full_name": "Dana Tester",
            "sector": str(world.sector.pk),
            "language": "en",
        },
    ),
    "events:manage_register_again": Row(_all(302), kwargs=_token),
    # A seat offer is claimed or declined by POST; without an offer the answer is a
    # message on the manage page.
    "events:manage_offer_claim": Row(_all(302), method="POST", kwargs=_token),
    "events:manage_offer_decline": Row(_all(302), method="POST", kwargs=_token),
    "events:manage_unsubscribe": Row(
        PUBLIC, method="POST", kwargs=_token, data=lambda world: {"List-Unsubscribe": "One-Click"}
    ),
    "events:privacy_erase": Row(
        _all(302), method="POST", kwargs=_token, data=lambda world: {"confirm": "on"}
    ),
    # Certificates: public verification by code; downloads for the holder and organizers.
    "events:certificate_verify_lookup": Row(PUBLIC),
    "events:certificate_verify": Row(
        PUBLIC, kwargs=lambda world: {"code": world.certificate.display_code}
    ),
    "events:certificate_download": Row(
        (404, 200, 404, 404, 200, 200),
        kwargs=lambda world: {"code": world.certificate.display_code},
    ),
    "events:manage_certificate": Row(PUBLIC, kwargs=_token),
    "events:manage_certificate_badge": Row(PUBLIC, kwargs=_token),
    "events:manage_certificate_signed_badge": Row(PUBLIC, kwargs=_token),
    # Open Badges: the issuer's public keys and the revocation status lists (no person's data).
    "events:badge_did_document": Row(PUBLIC),
    "events:badge_status_list": Row(PUBLIC, kwargs=lambda world: {"number": 0}),
    # Evaluations: the link's own token is the credential, as for the manage link. An
    # empty post is a form error (400), not a 500.
    "events:evaluate": Row(PUBLIC, kwargs=_evaluation),
    # Door check-in
    "events:organize_checkin": Row(ORGANIZER_ONLY, kwargs=_session_id),
    "events:organize_checkin_counts": Row(ORGANIZER_ONLY, kwargs=_session_id),
    # Without JSON, a check-in redirects back to the door page.
    "events:organize_checkin_submit": Row(
        (LOGIN, 403, 403, 404, 302, 302),
        method="POST",
        kwargs=_session_id,
        data=lambda world: {"registration": str(world.registration.pk)},
    ),
    # A walk-in redirects back to the door page; each allowed POST adds one person.
    "events:organize_walk_in": Row(
        (LOGIN, 403, 403, 404, 302, 302),
        method="POST",
        kwargs=_session_id,
        data=lambda world: {
            "full_name": "Walk In",
            "sector": str(world.sector.pk),
            "consent": "on",
        },
    ),
    # Offline door check-in. The snapshot is a 404 to everybody else, signed in or not.
    "events:organize_checkin_snapshot": Row((404, 404, 404, 404, 200, 200), kwargs=_session_id),
    "events:organize_checkin_sync": Row(
        (LOGIN, 403, 403, 404, 200, 200), method="POST", kwargs=_session_id, data=_door_upload
    ),
    "events:organize_checkin_manifest": Row(ORGANIZER_ONLY, kwargs=_session_id),
    # The worker holds no data, only the list of the page's static assets.
    "events:checkin_service_worker": Row(PUBLIC),
}

# Rows that check a refusal which no role should get past.
NEGATIVE: dict[str, Row] = {
    "events:manage (wrong token)": Row(_all(404), kwargs=lambda world: {"token": "x" * 40}),
    "events:privacy_erase (wrong token)": Row(
        _all(404),
        method="POST",
        kwargs=lambda world: {"token": "x" * 40},
        data=lambda world: {"confirm": "on"},
    ),
    "events:organize_checkin (other session)": Row(
        (LOGIN, 403, 403, 200, 404, 200),
        kwargs=lambda world: {"session_id": world.other_session.pk},
    ),
    "events:organize_checkin_snapshot (other session)": Row(
        (404, 404, 404, 200, 404, 200),
        kwargs=lambda world: {"session_id": world.other_session.pk},
    ),
    # The session's registrant uploaded to the other session: refused per item (200),
    # and only for the other session's organizer and superusers.
    "events:organize_checkin_sync (other session)": Row(
        (LOGIN, 403, 403, 200, 404, 200),
        method="POST",
        kwargs=lambda world: {"session_id": world.other_session.pk},
        data=_door_upload,
    ),
    # The other session's training is not a choice for the organizer: the export
    # refuses the filter (400), never returns its figures.
    "admin:events_impact_xlsx (other training)": Row(
        (LOGIN, LOGIN, LOGIN, 200, 400, 200),
        query="?training={other_training}",
    ),
    "events:evaluate (wrong token)": Row(
        _all(404), kwargs=lambda world: {"token": "Z" * 16 + "0" * 24, "phase": "pre"}
    ),
    "events:evaluate (post, empty)": Row(
        _all(400), method="POST", kwargs=_evaluation, data=lambda world: {}
    ),
    "events:certificate_verify (unknown code)": Row(
        _all(404), kwargs=lambda world: {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}
    ),
}


# --- The admin ------------------------------------------------------------------
# Non-staff users are sent to the admin login, like anonymous visitors.
STAFF_ONLY = (LOGIN, LOGIN, LOGIN, 200, 200, 200)
SUPERUSER_ONLY = (LOGIN, LOGIN, LOGIN, 403, 403, 200)

ADMIN: dict[str, Row] = {
    "admin:index": Row(STAFF_ONLY),
    "admin:login": Row((200, 200, 200, 302, 302, 302)),
    "admin:logout": Row(_all(302), method="POST"),
    "admin:password_change": Row(STAFF_ONLY),
    "admin:password_change_done": Row(STAFF_ONLY),
    "admin:autocomplete": Row(
        (LOGIN, LOGIN, LOGIN, 403, 403, 403),
        query="?app_label=events&model_name=trainingsession&field_name=session",
    ),
    "admin:jsi18n": Row(STAFF_ONLY),
    "admin:view_on_site": Row((LOGIN, LOGIN, LOGIN, 302, 302, 302), kwargs=w.view_on_site_kwargs),
    "admin:app_list": Row(
        (LOGIN, LOGIN, LOGIN, 200, 200, 200), kwargs=lambda world: {"app_label": "events"}
    ),
    "route:admin/(?P<url>.*)$": Row(
        (LOGIN, LOGIN, LOGIN, 404, 404, 404), path=lambda world: "/{admin}no-such-page/"
    ),
    # Organizer exports and sheets of one session.
    "admin:events_session_csv": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200), kwargs=lambda world: {"object_id": world.session.pk}
    ),
    "admin:events_session_xlsx": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200), kwargs=lambda world: {"object_id": world.session.pk}
    ),
    "admin:events_session_signin": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200), kwargs=lambda world: {"object_id": world.session.pk}
    ),
    # Evaluation results of one session, or of a training's sessions, and their XLSX.
    "admin:events_session_evaluation": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200), kwargs=lambda world: {"object_id": world.session.pk}
    ),
    "admin:events_session_evaluation_xlsx": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200), kwargs=lambda world: {"object_id": world.session.pk}
    ),
    "admin:events_training_evaluation": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200),
        kwargs=lambda world: {"training_id": world.session.training_id},
    ),
    "admin:events_training_evaluation_xlsx": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200),
        kwargs=lambda world: {"training_id": world.session.training_id},
    ),
    # A training's certificate image, by its stored name: staff who may view trainings;
    # a name no training holds is a 404 (tests/test_certificate_images.py serves one).
    "admin:events_training_certificate_image": Row(
        (LOGIN, LOGIN, LOGIN, 404, 404, 404),
        kwargs=lambda world: {"name": "certificates/logos/0123456789abcdef.png"},
    ),
    "admin:events_roster_csv": Row(
        (LOGIN, LOGIN, LOGIN, 200, 200, 200), query="?session={session}"
    ),
    "admin:events_roster_xlsx": Row(
        (LOGIN, LOGIN, LOGIN, 200, 200, 200), query="?session={session}"
    ),
    # The impact report and its exports: every organizer, over their own sessions only
    # (the other organizer gets a report of theirs, without this session's people).
    "admin:events_impact_report": Row(STAFF_ONLY),
    "admin:events_impact_xlsx": Row(STAFF_ONLY),
    "admin:events_impact_pdf": Row(STAFF_ONLY),
    "admin:events_impact_csv": Row(STAFF_ONLY, kwargs=lambda world: {"table": "sectors"}),
    # Organizers see issuance progress of their own sessions and start runs for them.
    "admin:events_certificate_issuance": Row(STAFF_ONLY),
    # One run's progress page: the session's organizers and superusers; 404 for the rest.
    "admin:events_certificate_issuance_run": Row(
        (LOGIN, LOGIN, LOGIN, 404, 200, 200), kwargs=_issuance_run
    ),
    "admin:events_certificate_issuance_start": Row(
        (LOGIN, LOGIN, LOGIN, 404, 302, 302),
        method="POST",
        kwargs=lambda world: {"public_id": world.session.public_id},
    ),
    "admin:auth_user_password_change": Row(
        SUPERUSER_ONLY, kwargs=lambda world: {"id": world.users["attendee"].pk}
    ),
}

# Model pages: per model, the object to open and the answers of the six pages
# (changelist, add, history, delete, change, and the bare object URL that redirects).
ACTIONS = ("changelist", "add", "history", "delete", "change", "object")


@dataclass(frozen=True)
class AdminModel:
    obj: Callable[[w.World], object]
    answers: dict[str, tuple] = field(default_factory=dict)


def _answers(changelist, add, history, delete, change, obj) -> dict[str, tuple]:
    return dict(zip(ACTIONS, (changelist, add, history, delete, change, obj), strict=True))


# Nobody adds these by hand: registrations come from the public form, the rest from
# the app itself. The audit trail cannot be deleted, even by a superuser.
NOBODY = (LOGIN, LOGIN, LOGIN, 403, 403, 403)
# The bare object URL redirects staff to the change page, which does the checking.
REDIRECT = (LOGIN, LOGIN, LOGIN, 302, 302, 302)
# Outside their scope an organizer gets 404 (nothing confirms the row exists); inside
# it, a page their role lacks is 403.
SCOPED = (LOGIN, LOGIN, LOGIN, 404, 200, 200)
SCOPED_SUPERUSER = (LOGIN, LOGIN, LOGIN, 404, 403, 200)
SCOPED_NOBODY = (LOGIN, LOGIN, LOGIN, 404, 403, 403)
SUPERUSER_PAGES = _answers(*(SUPERUSER_ONLY,) * 5, REDIRECT)
LOG_PAGES = _answers(SUPERUSER_ONLY, NOBODY, *(SUPERUSER_ONLY,) * 3, REDIRECT)

ADMIN_MODELS: dict[str, AdminModel] = {
    "auth_group": AdminModel(lambda world: world.group, SUPERUSER_PAGES),
    "accounts_user": AdminModel(lambda world: world.users["attendee"], SUPERUSER_PAGES),
    "axes_accessattempt": AdminModel(lambda world: world.access_attempt, LOG_PAGES),
    "axes_accesslog": AdminModel(lambda world: world.access_log, LOG_PAGES),
    "axes_accessfailurelog": AdminModel(lambda world: world.access_failure_log, LOG_PAGES),
    "events_sector": AdminModel(
        lambda world: world.sector,
        _answers(STAFF_ONLY, SUPERUSER_ONLY, STAFF_ONLY, SUPERUSER_ONLY, STAFF_ONLY, REDIRECT),
    ),
    "events_training": AdminModel(
        lambda world: world.session.training,
        _answers(STAFF_ONLY, SUPERUSER_ONLY, STAFF_ONLY, SUPERUSER_ONLY, STAFF_ONLY, REDIRECT),
    ),
    "events_trainingsession": AdminModel(
        lambda world: world.session,
        _answers(STAFF_ONLY, STAFF_ONLY, SCOPED, SCOPED_SUPERUSER, SCOPED, REDIRECT),
    ),
    "events_registration": AdminModel(
        lambda world: world.registration,
        _answers(STAFF_ONLY, NOBODY, SCOPED, SCOPED_SUPERUSER, SCOPED, REDIRECT),
    ),
    "events_certificate": AdminModel(
        lambda world: world.certificate,
        _answers(STAFF_ONLY, NOBODY, SCOPED, SCOPED_NOBODY, SCOPED, REDIRECT),
    ),
    "events_notification": AdminModel(
        lambda world: world.notification,
        _answers(STAFF_ONLY, NOBODY, SCOPED, SCOPED_NOBODY, SCOPED, REDIRECT),
    ),
    # Questionnaires of the trainings an organizer has a session of; organizers add
    # and edit them and their questions, and delete questions, not questionnaires.
    "events_questionnaire": AdminModel(
        lambda world: world.questionnaire,
        _answers(STAFF_ONLY, STAFF_ONLY, SCOPED, SCOPED_SUPERUSER, SCOPED, REDIRECT),
    ),
    "events_question": AdminModel(
        lambda world: world.question,
        _answers(STAFF_ONLY, STAFF_ONLY, SCOPED, SCOPED, SCOPED, REDIRECT),
    ),
    # Certificate gate overrides: added by organizers, then kept as a record.
    "events_gateoverride": AdminModel(
        lambda world: world.gate_override,
        _answers(STAFF_ONLY, STAFF_ONLY, SCOPED, SCOPED_NOBODY, SCOPED, REDIRECT),
    ),
    "events_auditentry": AdminModel(
        lambda world: world.audit,
        _answers(STAFF_ONLY, NOBODY, SCOPED, SCOPED_NOBODY, SCOPED, REDIRECT),
    ),
}


def _model_rows() -> dict[str, Row]:
    rows = {}
    for model, spec in ADMIN_MODELS.items():
        app_label, _, model_name = model.partition("_")
        for action in ACTIONS:
            expect = spec.answers[action]
            if action in ("changelist", "add"):
                rows[f"admin:{model}_{action}"] = Row(expect)
            elif action == "object":
                rows[f"route:admin/{app_label}/{model_name}/<path:object_id>/"] = Row(
                    expect,
                    path=lambda world, a=app_label, m=model_name, s=spec: (
                        f"/{{admin}}{a}/{m}/{s.obj(world).pk}/"
                    ),
                )
            else:
                rows[f"admin:{model}_{action}"] = Row(
                    expect, kwargs=lambda world, s=spec: {"object_id": s.obj(world).pk}
                )
    return rows


TABLE: dict[str, Row] = {**SITE, **ADMIN, **_model_rows()}
