"""The public API's JSON: what a session's public page shows, and nothing about registrants.

Each serializer names its fields one by one (never "__all__"), so that a field added
to a model never leaves through the API unseen. Counts stop at "seats left": how many
are confirmed or waiting is the organizers' business. What organizers write comes in
English and, as `..._es`, in Spanish: empty where they entered no Spanish version, so a
partner's Spanish page shows the English instead, as ours does.
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Sector, Training, TrainingSession


def site_url(path: str) -> str:
    """An absolute address on the public site, as emails and calendar files print it."""
    return f"{settings.SITE_URL}{path}"


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["slug", "name", "name_es"]


class TrainingSerializer(serializers.ModelSerializer):
    sectors = SectorSerializer(source="target_sectors", many=True, read_only=True)
    credit_hours = serializers.DecimalField(max_digits=4, decimal_places=2, coerce_to_string=False)
    sessions_url = serializers.SerializerMethodField(
        help_text="This training's upcoming sessions in the API."
    )

    class Meta:
        model = Training
        fields = [
            "slug",
            "title",
            "title_es",
            "summary",
            "summary_es",
            "description",
            "description_es",
            "hosts",
            "hosts_es",
            "credit_hours",
            "sectors",
            "sessions_url",
        ]

    def get_sessions_url(self, training: Training) -> str:
        return site_url(f"{reverse('api:session-list')}?training={training.slug}")


class SessionSerializer(serializers.ModelSerializer):
    """A session as its public page shows it; the online meeting link is only ever emailed."""

    training = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(source="training.title", read_only=True)
    title_es = serializers.CharField(source="training.title_es", read_only=True)
    summary = serializers.CharField(source="training.summary", read_only=True)
    summary_es = serializers.CharField(source="training.summary_es", read_only=True)
    hosts = serializers.CharField(source="training.hosts", read_only=True)
    hosts_es = serializers.CharField(source="training.hosts_es", read_only=True)
    credit_hours = serializers.DecimalField(
        source="credit_hours_given",
        max_digits=4,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        help_text="What attending this session earns: the session's own figure, else the "
        "training's.",
    )
    sectors = SectorSerializer(source="training.target_sectors", many=True, read_only=True)
    online = serializers.SerializerMethodField(help_text="Can be joined online.")
    in_person = serializers.SerializerMethodField(help_text="Takes place at a venue.")
    starts_at = serializers.SerializerMethodField(
        help_text="ISO 8601, with the offset of the session's time zone."
    )
    ends_at = serializers.SerializerMethodField(
        help_text="ISO 8601, with the offset of the session's time zone."
    )
    status = serializers.SerializerMethodField()
    registration_open = serializers.SerializerMethodField()
    seats_left = serializers.SerializerMethodField(
        help_text=(
            "Seats a new registrant can get now: 0 when the session is full (new "
            "registrants join the waiting list); null once it is cancelled or has ended."
        )
    )
    page_url = serializers.SerializerMethodField(help_text="The session's public page.")
    ics_url = serializers.SerializerMethodField(help_text="The session's calendar file.")

    class Meta:
        model = TrainingSession
        fields = [
            "public_id",
            "training",
            "title",
            "title_es",
            "summary",
            "summary_es",
            "hosts",
            "hosts_es",
            "credit_hours",
            "sectors",
            "venue",
            "address",
            "venue_notes",
            "venue_notes_es",
            "what_to_bring",
            "what_to_bring_es",
            "city",
            "state",
            "online",
            "in_person",
            "starts_at",
            "ends_at",
            "timezone",
            "status",
            "registration_open",
            "seats_left",
            "page_url",
            "ics_url",
        ]

    def get_online(self, session: TrainingSession) -> bool:
        return bool(session.online_url)

    def get_in_person(self, session: TrainingSession) -> bool:
        return bool(session.venue)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_starts_at(self, session: TrainingSession) -> str:
        return session.local_starts_at.isoformat(timespec="seconds")

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_ends_at(self, session: TrainingSession) -> str:
        return session.local_ends_at.isoformat(timespec="seconds")

    @extend_schema_field(serializers.ChoiceField(choices=["scheduled", "cancelled"]))
    def get_status(self, session: TrainingSession) -> str:
        # Drafts never reach the API, so a session is either going ahead or not.
        return "cancelled" if session.status == TrainingSession.Status.CANCELLED else "scheduled"

    def get_registration_open(self, session: TrainingSession) -> bool:
        return not session.registration_closed_reason(now=self.context.get("now"))

    def get_seats_left(self, session: TrainingSession) -> int | None:
        if session.status == TrainingSession.Status.CANCELLED or session.has_ended(
            self.context.get("now")
        ):
            return None
        # As the page: a session with a waiting list shows as full.
        return 0 if session.is_full else session.seats_left

    def get_page_url(self, session: TrainingSession) -> str:
        return site_url(session.get_absolute_url())

    def get_ics_url(self, session: TrainingSession) -> str:
        return site_url(reverse("events:session_ics", args=[session.public_id]))
