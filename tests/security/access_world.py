"""The six users of the access-control matrix and the rows they reach.

One session ("the session") is organized by `organizer`; another by `other_organizer`.
`attendee` and `other_attendee` both hold a place in the session; the attendee's
place has a certificate, a queued email and an audit line, so every admin page has
an object to open.
"""

from dataclasses import dataclass
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from events.models import (
    AuditEntry,
    Certificate,
    GateOverride,
    Notification,
    Question,
    Questionnaire,
    Registration,
    Sector,
    TrainingSession,
)
from events.models.addresses import address_proof
from events.selectors.evaluations import evaluation_token
from tests.factories import (
    CertificateFactory,
    OrganizerFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    build_questionnaire,
)

ROLES = (
    "anonymous",
    "attendee",
    "other_attendee",
    "other_organizer",
    "organizer",
    "superuser",
)


@dataclass
class World:
    users: dict[str, User | None]
    session: TrainingSession
    other_session: TrainingSession
    registration: Registration
    other_registration: Registration
    certificate: Certificate
    notification: Notification
    audit: AuditEntry
    sector: Sector
    group: Group
    access_attempt: AccessAttempt
    access_log: AccessLog
    access_failure_log: AccessFailureLog
    # Holds the password-reset link: none of the six, whose logins would void it.
    reset_user: User
    # The session's training's questionnaire (pre-check open: the session is upcoming).
    questionnaire: Questionnaire
    gate_override: GateOverride

    @property
    def question(self) -> Question:
        return self.questionnaire.questions.first()

    @property
    def evaluation_token(self) -> str:
        return evaluation_token(self.registration, "pre")

    @property
    def token(self) -> str:
        return self.registration.manage_token


def _organizer(session: TrainingSession) -> User:
    user = OrganizerFactory()
    user.groups.add(Group.objects.get(name="Organizers"))
    session.organizers.add(user)
    return user


def build_world() -> World:
    session = SessionFactory()
    other_session = SessionFactory()
    attendee, other_attendee = UserFactory(), UserFactory()
    registration = RegistrationFactory(session=session, user=attendee, email=attendee.email)
    other_registration = RegistrationFactory(
        session=session, user=other_attendee, email=other_attendee.email
    )
    organizer = _organizer(session)
    other_organizer = _organizer(other_session)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    certificate = CertificateFactory(registration=registration)
    notification = Notification.objects.create(
        registration=registration, kind=Notification.Kind.REMINDER, variant="7d"
    )
    audit = AuditEntry.objects.create(
        session=session, registration=registration, action="registered"
    )
    now = timezone.now()
    common = {
        "user_agent": "matrix",
        "ip_address": "192.0.2.1",
        "username": attendee.email,
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
    }
    return World(
        users={
            "anonymous": None,
            "attendee": attendee,
            "other_attendee": other_attendee,
            "other_organizer": other_organizer,
            "organizer": organizer,
            "superuser": superuser,
        },
        session=session,
        other_session=other_session,
        registration=registration,
        other_registration=other_registration,
        certificate=certificate,
        notification=notification,
        audit=audit,
        sector=registration.sector,
        group=Group.objects.get(name="Organizers"),
        access_attempt=AccessAttempt.objects.create(
            attempt_time=now, get_data="", post_data="", failures_since_start=1, **common
        ),
        access_log=AccessLog.objects.create(attempt_time=now, **common),
        access_failure_log=AccessFailureLog.objects.create(
            attempt_time=now - timedelta(minutes=1), locked_out=False, **common
        ),
        reset_user=UserFactory(),
        questionnaire=build_questionnaire(session.training)[0],
        gate_override=GateOverride.objects.create(registration=registration, reason="On paper"),
    )


def password_reset_kwargs(world: World) -> dict:
    user = world.reset_user
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


def verify_email_kwargs(world: World) -> dict:
    user = world.users["attendee"]
    return {"token": address_proof(user_id=user.pk, email=user.email)}


def view_on_site_kwargs(world: World) -> dict:
    content_type = ContentType.objects.get_for_model(TrainingSession)
    return {"content_type_id": content_type.pk, "object_id": world.session.pk}
