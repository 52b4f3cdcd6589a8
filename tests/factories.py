"""factory_boy factories for the domain."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from events.models import Certificate, Registration, Sector, Training, TrainingSession
from events.models.tokens import hash_token, manage_token_for, new_manage_nonce, random_code


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")
    email_verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizerFactory(UserFactory):
    is_staff = True


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.Sequence(lambda n: f"sector-{n}")


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    title = "Identifying & Reporting Human Trafficking"
    slug = factory.Sequence(lambda n: f"training-{n}")
    summary = "Spot the signs and report them."
    hosts = "DHS Blue Campaign"
    credit_hours = 3
    signatory_name = "Pat Example"
    signatory_title = "Training Coordinator"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    training = factory.SubFactory(TrainingFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    venue = "Fargo Civic Center"
    address = "207 4th St N"
    city = "Fargo"
    state = "ND"
    capacity = 50
    status = TrainingSession.Status.PUBLISHED


class DoorOpenSessionFactory(SessionFactory):
    """A session starting in half an hour: its door is open for check-in
    (CHECKIN_OPENS_BEFORE_MINUTES before the start until the end plus the grace)."""

    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))


def _sector():
    return Sector.objects.order_by("order").first() or SectorFactory()


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"attendee{n}@example.org")
    organization = factory.Faker("company")
    sector = factory.LazyFunction(_sector)
    job_title = "Front desk"
    consented_at = factory.LazyFunction(timezone.now)
    status = Registration.Status.CONFIRMED
    confirmed_at = factory.LazyFunction(timezone.now)
    manage_nonce = factory.LazyFunction(new_manage_nonce)
    manage_token_hash = factory.LazyAttribute(
        lambda o: hash_token(manage_token_for(o.manage_nonce))
    )

    class Params:
        waitlisted = factory.Trait(
            status=Registration.Status.WAITLISTED,
            confirmed_at=None,
            waitlisted_at=factory.LazyFunction(timezone.now),
        )
        cancelled = factory.Trait(
            status=Registration.Status.CANCELLED,
            cancelled_at=factory.LazyFunction(timezone.now),
        )


# --- Certificates -------------------------------------------------------------------


class EndedSessionFactory(SessionFactory):
    """A session that took place yesterday morning."""

    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1, hours=3))


class AttendedRegistrationFactory(RegistrationFactory):
    """A confirmed registrant of an ended session, checked in at the door."""

    session = factory.SubFactory(EndedSessionFactory)
    checked_in_at = factory.LazyAttribute(lambda o: o.session.starts_at)
    attended = True


class CertificateFactory(factory.django.DjangoModelFactory):
    """A certificate row with the snapshot of its registration's session, and no PDF.

    For tests about who may see or keep a certificate; tests about the PDF issue one
    through services.certificates.issue_certificate instead.
    """

    class Meta:
        model = Certificate

    registration = factory.SubFactory(AttendedRegistrationFactory)
    code = factory.LazyFunction(lambda: random_code(16))
    name_printed = factory.LazyAttribute(lambda o: o.registration.full_name)
    training_title = factory.LazyAttribute(lambda o: o.registration.session.training.title)
    session_starts_at = factory.LazyAttribute(lambda o: o.registration.session.starts_at)
    session_ends_at = factory.LazyAttribute(lambda o: o.registration.session.ends_at)
    session_timezone = factory.LazyAttribute(lambda o: o.registration.session.timezone)
    place = factory.LazyAttribute(lambda o: o.registration.session.place)
    credit_hours = factory.LazyAttribute(lambda o: o.registration.session.credit_hours_given)
    hosts = factory.LazyAttribute(lambda o: o.registration.session.training.hosts)
    signatory_name = factory.LazyAttribute(lambda o: o.registration.session.training.signatory_name)
    signatory_title = factory.LazyAttribute(
        lambda o: o.registration.session.training.signatory_title
    )
    issued_at = factory.LazyFunction(timezone.now)


# --- Rosters ------------------------------------------------------------------------


def _organizers_group():
    """The group events/permissions.py keeps, re-created when a transactional test's flush
    removed it."""
    from events.permissions import sync_organizers_group

    return sync_organizers_group()


class ScopedOrganizerFactory(OrganizerFactory):
    """A staff member of the "Organizers" group; organizes=[session, ...] assigns sessions."""

    @factory.post_generation
    def organizes(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.groups.add(_organizers_group())
        for session in extracted or []:
            session.organizers.add(obj)


# --- Notifications (outbox) ---------------------------------------------------------


class NotificationFactory(factory.django.DjangoModelFactory):
    """An outbox row, queued and not yet enqueued (as a reminder scan leaves it)."""

    class Meta:
        model = "events.Notification"

    registration = factory.SubFactory(RegistrationFactory)
    kind = "confirmation"
    variant = ""


# --- Evaluations --------------------------------------------------------------------


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Questionnaire"

    training = factory.SubFactory(TrainingFactory)
    version = 1
    title = "Training evaluation"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Question"

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Question {n}?")
    phase = "both"
    kind = "scale"
    required = True


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Choice"

    question = factory.SubFactory(QuestionFactory, kind="single")
    order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Choice {n}")
    is_correct = False


def build_questionnaire(training):
    """A questionnaire of four questions: a confidence scale, a single and a multiple
    choice knowledge question, and optional free text. Returns (questionnaire, questions)."""
    questionnaire = QuestionnaireFactory(training=training)
    scale = QuestionFactory(
        questionnaire=questionnaire,
        kind="scale",
        text="How confident are you that you could recognize signs of trafficking?",
        scale_low_label="Not at all",
        scale_high_label="Very",
    )
    single = QuestionFactory(
        questionnaire=questionnaire,
        kind="single",
        text="What number do you call in an emergency?",
        explanation="Call 911 when someone is in immediate danger.",
    )
    ChoiceFactory(question=single, text="911", is_correct=True)
    ChoiceFactory(question=single, text="411")
    multiple = QuestionFactory(
        questionnaire=questionnaire, kind="multiple", text="Which are indicators?"
    )
    ChoiceFactory(question=multiple, text="Someone else holds their ID", is_correct=True)
    ChoiceFactory(question=multiple, text="Not free to leave", is_correct=True)
    ChoiceFactory(question=multiple, text="Wears a hat")
    text = QuestionFactory(
        questionnaire=questionnaire, kind="text", text="Anything else?", required=False
    )
    return questionnaire, {"scale": scale, "single": single, "multiple": multiple, "text": text}
