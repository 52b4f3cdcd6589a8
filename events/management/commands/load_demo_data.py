"""Idempotent demo data: the 2014 Fargo training and its evaluations, upcoming North
Dakota sessions, logins."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from events.models import Registration, Sector, Training, TrainingSession
from events.models.tokens import new_manage_credentials
from events.permissions import ORGANIZERS_GROUP

from ..demo_evaluation import answer_demo_session, demo_questionnaire

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
MOUNTAIN = zoneinfo.ZoneInfo("America/Denver")

DEMO_ADMIN = ("admin@example.org", "demo-admin-pass")
DEMO_ORGANIZER = ("organizer@example.org", "demo-organizer-pass")

DESCRIPTION = (
    "Human trafficking hides in plain sight: in hotels and truck stops, on farms and oil "
    "fields, in schools and online. This three-hour training teaches front-line workers "
    "and residents the indicators of labor and sex trafficking, how victims are recruited "
    "and controlled, and exactly what to do when something seems wrong.\n\n"
    "You will learn: the legal definitions; red flags by sector; how to respond safely "
    "without confronting anyone; and how to report to the National Human Trafficking "
    "Hotline, the DHS/HSI Tip Line or 911. If you see something, say something."
)

# The same training in Spanish (models/bilingual.py), so that a Spanish visitor of the
# demo sees the catalogue in Spanish throughout.
TITLE = "Identifying & Reporting Human Trafficking"
TITLE_ES = "Cómo identificar y denunciar la trata de personas"
SUMMARY = (
    "Spot the signs of trafficking in your workplace and community, and know exactly how "
    "to report it."
)
SUMMARY_ES = (
    "Reconozca las señales de la trata de personas en su trabajo y en su comunidad, y sepa "
    "exactamente cómo denunciarla."
)
DESCRIPTION_ES = (
    "La trata de personas se esconde a plena vista: en hoteles y paradas de camiones, en "
    "granjas y campos petroleros, en escuelas y en internet. Esta capacitación de tres "
    "horas enseña a trabajadores de primera línea y a residentes a reconocer los indicios "
    "de la trata con fines de explotación laboral y sexual, cómo se capta y se controla a "
    "las víctimas, y qué hacer exactamente cuando algo no parece estar bien.\n\n"
    "Aprenderá: las definiciones legales; las señales de alerta en cada sector; cómo "
    "actuar de forma segura, sin enfrentarse a nadie; y cómo denunciar ante la Línea "
    "Nacional contra la Trata de Personas, la línea de denuncias del DHS/HSI o el 911. "
    "Si ve algo, diga algo."
)
# What each upcoming session tells its attendees, in both languages.
IN_PERSON = {
    "what_to_bring": "A photo ID for check-in and something to take notes with.",
    "what_to_bring_es": "Una identificación con foto para registrar su llegada y algo para "
    "tomar notas.",
    "venue_notes": "Free parking next to the building. Use the main entrance: the room is "
    "on the ground floor and can be reached in a wheelchair.",
    "venue_notes_es": "Estacionamiento gratuito junto al edificio. Use la entrada principal: "
    "la sala está en la planta baja y es accesible en silla de ruedas.",
}
ONLINE = {
    "what_to_bring": "A quiet place, headphones and something to take notes with.",
    "what_to_bring_es": "Un lugar tranquilo, audífonos y algo para tomar notas.",
    "venue_notes": "",
    "venue_notes_es": "",
}

# (city, venue, address, zone, days from today, capacity, online)
UPCOMING = [
    ("Fargo", "Fargo Civic Center", "207 4th St N", CENTRAL, 21, 120, False),
    ("Bismarck", "Bismarck Event Center", "315 S 5th St", CENTRAL, 35, 80, False),
    ("Grand Forks", "Alerus Center", "1200 S 42nd St", CENTRAL, 49, 60, False),
    ("Williston", "Raymond Family Community Center", "1 Bill Gaida Way", MOUNTAIN, 63, 40, False),
    ("Minot", "", "", CENTRAL, 28, 200, True),
]

# (name, organization, the sector slug that organization belongs to)
DEMO_PEOPLE = [
    ("Maria Gonzalez", "Hotel Donaldson", "hospitality-lodging"),
    ("James Olson", "Fargo Public Schools", "schools-education"),
    ("Aisha Mohamed", "Lutheran Social Services", "social-work"),
    ("Tom Berg", "Sanford Health", "healthcare"),
    ("Linda Nguyen", "Cass County Sheriff", "law-enforcement"),
    ("Peter Larson", "BNSF Railway", "transportation"),
    ("Grace Johnson", "First Lutheran Church", "faith-communities"),
    ("José Núñez", "Red River Valley Farms", "agriculture-energy"),
    ("Emily Carlson", "YWCA Cass Clay", "advocacy-nonprofits"),
    ("David Schmidt", "City of Fargo", "government"),
    ("Sarah Peterson", "Hornbacher's", "business-retail"),
    ("Nguyễn Thị Minh", "Essentia Health", "healthcare"),
    ("Robert Anderson", "Fargo Police Department", "law-enforcement"),
    ("Karen Hanson", "West Fargo Public Schools", "schools-education"),
    ("Ahmed Hassan", "Fargo Cass Public Health", "government"),
    ("Julie Swenson", "Radisson Fargo", "hospitality-lodging"),
    ("Michael Thompson", "Dakota Boys and Girls Ranch", "social-work"),
    ("Anna Kowalski", "Youthworks", "advocacy-nonprofits"),
]


class Command(BaseCommand):
    help = "Load demo data (safe to run again): trainings, sessions, an admin and an organizer."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        training, _ = Training.objects.update_or_create(
            slug="identifying-reporting-human-trafficking",
            defaults={
                "title": TITLE,
                "title_es": TITLE_ES,
                "summary": SUMMARY,
                "summary_es": SUMMARY_ES,
                "description": DESCRIPTION,
                "description_es": DESCRIPTION_ES,
                "hosts": "DHS Blue Campaign and the Office of the U.S. Senator for North Dakota",
                "hosts_es": (
                    "Campaña Azul del DHS y la oficina del senador de EE. UU. por Dakota del Norte"
                ),
                # Reserved for examples (RFC 2606, and 555-01xx numbers): nobody is reached.
                "contact_email": "trainings@example.org",
                "contact_phone": "701-555-0142",
                "credit_hours": 3,
                "signatory_name": "Blue Campaign Training Coordinator",
                "signatory_title": "U.S. Department of Homeland Security",
            },
        )
        training.target_sectors.set(Sector.objects.filter(active=True))

        admin = self._user(DEMO_ADMIN, "Demo Admin", superuser=True)
        organizer = self._user(DEMO_ORGANIZER, "Demo Organizer", superuser=False)

        fargo_2014, _ = TrainingSession.objects.update_or_create(
            training=training,
            starts_at=datetime(2014, 5, 9, 9, 0, tzinfo=CENTRAL),
            defaults={
                "ends_at": datetime(2014, 5, 9, 12, 0, tzinfo=CENTRAL),
                "venue": "Fargo Civic Center",
                "address": "207 4th St N",
                "city": "Fargo",
                "state": "ND",
                "capacity": 120,
                "status": TrainingSession.Status.PUBLISHED,
            },
        )
        fargo_2014.organizers.add(organizer)

        today = timezone.localdate()
        for city, venue, address, zone, days, capacity, online in UPCOMING:
            day = today + timedelta(days=days)
            starts = datetime.combine(day, time(9, 0), tzinfo=zone)
            session = (
                TrainingSession.objects.filter(training=training, city=city)
                .exclude(pk=fargo_2014.pk)
                .first()
            )
            content = ONLINE if online else IN_PERSON
            if session is None:
                session = TrainingSession.objects.create(
                    **content,
                    training=training,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                    timezone=zone.key,
                    venue=venue,
                    address=address,
                    city=city,
                    state="ND",
                    online_url="https://meet.example.org/nd-trafficking" if online else "",
                    capacity=capacity,
                    status=TrainingSession.Status.PUBLISHED,
                )
            else:
                # Demo data loaded before the Spanish texts existed gets them too.
                TrainingSession.objects.filter(pk=session.pk).update(**content)
            session.organizers.add(organizer)

        fargo_next = TrainingSession.objects.filter(training=training, city="Fargo").exclude(
            pk=fargo_2014.pk
        )
        self._attendees(fargo_2014, attended=True)
        for session in fargo_next[:1]:
            self._attendees(session, attended=False)
        answered = answer_demo_session(fargo_2014, demo_questionnaire(training))
        if answered:
            self.stdout.write(f"  Evaluations of the 2014 session: {answered} responses.")

        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        self.stdout.write(f"  Admin:     {admin.email} / {DEMO_ADMIN[1]}")
        self.stdout.write(f"  Organizer: {organizer.email} / {DEMO_ORGANIZER[1]}")

    def _attendees(self, session: TrainingSession, *, attended: bool) -> None:
        """A roster across sectors, written directly: demo rows need no emails."""
        if session.registrations.exists():
            return
        sectors = {sector.slug: sector for sector in Sector.objects.all()}
        now = timezone.now()
        rows = []
        for number, (name, organization, sector) in enumerate(DEMO_PEOPLE):
            rows.append(
                Registration(
                    session=session,
                    full_name=name,
                    email=f"demo{number}.{session.public_id}@example.org",
                    organization=organization,
                    sector=sectors[sector],
                    job_title="",
                    consented_at=now,
                    status=Registration.Status.CONFIRMED,
                    confirmed_at=now,
                    attended=attended and number % 5 != 0,
                    checked_in_at=session.starts_at if attended and number % 5 != 0 else None,
                    **new_manage_credentials(),
                )
            )
        Registration.objects.bulk_create(rows)

    def _user(self, login: tuple[str, str], name: str, *, superuser: bool):
        email, password = login
        User = get_user_model()  # noqa: N806 - the model, as Django names it
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=name, email_verified_at=timezone.now())
            user.set_password(password)
        user.is_staff = True
        user.is_superuser = superuser
        user.save()
        if not superuser:
            from django.contrib.auth.models import Group

            group = Group.objects.filter(name=ORGANIZERS_GROUP).first()
            if group is not None:
                user.groups.add(group)
        return user
