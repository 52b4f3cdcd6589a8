"""The catalogue: sectors, trainings (the curriculum) and their scheduled sessions."""

import re
import zoneinfo
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from events.models.certificate_images import ContentNamedImageField, validate_certificate_image
from events.models.tokens import PUBLIC_ID_MAX_LENGTH, new_public_id

DEFAULT_REMINDERS = "7d,1d,2h"
_OFFSET_RE = re.compile(r"^(\d{1,3})([dhm])$")
_UNIT = {"d": "days", "h": "hours", "m": "minutes"}

# North Dakota spans two zones; the neighbours cover sessions across the region.
TIMEZONE_CHOICES = [
    ("America/Chicago", _("Central (Fargo, Bismarck)")),
    ("America/Denver", _("Mountain (Dickinson, Williston)")),
    ("America/North_Dakota/Center", _("Central – Oliver County")),
    ("America/North_Dakota/New_Salem", _("Central – Morton County")),
    ("America/North_Dakota/Beulah", _("Central – Mercer County")),
    ("America/New_York", _("Eastern")),
    ("America/Los_Angeles", _("Pacific")),
    ("America/Anchorage", _("Alaska")),
    ("Pacific/Honolulu", _("Hawaii")),
]


# Beside each Spanish field of what organizers write (models/bilingual.py).
SPANISH_HELP = _("For Spanish pages and emails. Empty: the English text is shown.")


def parse_reminder_offsets(text: str) -> list[tuple[str, timedelta]]:
    """Parse "7d,1d,2h" into [("7d", 7 days), ...], longest first."""
    offsets: dict[str, timedelta] = {}
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        match = _OFFSET_RE.match(part.lower())
        if not match:
            raise ValidationError(
                _("“%(part)s” is not an offset. Use numbers with d, h or m, like 7d,1d,2h."),
                params={"part": part[:20]},
            )
        amount, unit = int(match[1]), match[2]
        delta = timedelta(**{_UNIT[unit]: amount})
        if delta <= timedelta(0) or delta > timedelta(days=60):
            raise ValidationError(_("Reminders must be between 1 minute and 60 days before."))
        offsets[f"{amount}{unit}"] = delta
    return sorted(offsets.items(), key=lambda item: item[1], reverse=True)


def validate_reminder_offsets(text: str) -> None:
    parse_reminder_offsets(text)


class Sector(models.Model):
    # The seeded sectors come with their Spanish names (migration 0018).
    TRANSLATED_FIELDS = ("name",)

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_es = models.CharField(
        _("name in Spanish"), max_length=100, blank=True, help_text=SPANISH_HELP
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name


class CertificateGate(models.TextChoices):
    NONE = "none", _("Attendance only")
    POST_SUBMITTED = "post_submitted", _("Attendance and the post-evaluation submitted")
    POST_SCORE = "post_score", _("Attendance and a minimum post-check score")


class Training(models.Model):
    # What organizers write, in English and (optionally) Spanish: models/bilingual.py.
    TRANSLATED_FIELDS = ("title", "summary", "description", "hosts")

    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(
        _("title in Spanish"), max_length=200, blank=True, help_text=SPANISH_HELP
    )
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    summary_es = models.CharField(
        _("summary in Spanish"), max_length=300, blank=True, help_text=SPANISH_HELP
    )
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(
        _("description in Spanish"), blank=True, help_text=SPANISH_HELP
    )
    hosts = models.CharField(
        _("hosts"), max_length=300, help_text=_("Who presents it, e.g. DHS Blue Campaign.")
    )
    hosts_es = models.CharField(
        _("hosts in Spanish"), max_length=300, blank=True, help_text=SPANISH_HELP
    )
    # Shown on every session page, for questions before or after a session.
    contact_email = models.EmailField(
        _("contact email"),
        blank=True,
        help_text=_("Where people write with questions: shown on the session pages."),
    )
    contact_phone = models.CharField(
        _("contact phone"),
        max_length=40,
        blank=True,
        help_text=_("Shown on the session pages, e.g. 701-555-0142."),
    )
    credit_hours = models.DecimalField(
        _("credit hours"),
        max_digits=4,
        decimal_places=2,
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(99)],
    )
    target_sectors = models.ManyToManyField(
        Sector, verbose_name=_("target sectors"), blank=True, related_name="trainings"
    )
    signatory_name = models.CharField(_("certificate signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=200, blank=True)
    certificate_logo = ContentNamedImageField(
        _("logo on certificates"),
        upload_to="certificates/logos/",
        blank=True,
        validators=[validate_certificate_image],
        help_text=_(
            "The host's logo, printed at the top of each certificate: PNG or JPEG, at most "
            "1 MB. Choose one that still reads when printed in black and white."
        ),
    )
    signature_image = ContentNamedImageField(
        _("signature on certificates"),
        upload_to="certificates/signatures/",
        blank=True,
        validators=[validate_certificate_image],
        help_text=_(
            "The signatory's signature, printed above their name: PNG (a transparent "
            "background prints best) or JPEG, at most 1 MB."
        ),
    )
    # Evaluations (models/evaluations.py, services/evaluations.py).
    evaluation_post_days = models.PositiveSmallIntegerField(
        _("post-evaluation open for (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("The post-evaluation closes this many days after the session ends."),
    )
    certificate_gate = models.CharField(
        _("certificate requires"),
        max_length=16,
        choices=CertificateGate.choices,
        default=CertificateGate.NONE,
    )
    certificate_gate_score = models.PositiveSmallIntegerField(
        _("minimum post-check score (%)"),
        default=70,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Used when the certificate requires a knowledge score."),
    )
    evaluation_anonymous = models.BooleanField(
        _("anonymous evaluations"),
        default=False,
        help_text=_(
            "Answers are stored without a link to the person; only that they completed a "
            "phase is kept (for the certificate). No per-person gain can be measured."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    TRANSLATED_FIELDS = ("what_to_bring", "venue_notes")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.CharField(
        _("public id"),
        max_length=PUBLIC_ID_MAX_LENGTH,
        unique=True,
        default=new_public_id,
        editable=False,
    )
    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="America/Chicago"
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, db_index=True)
    state = models.CharField(_("state"), max_length=2, default="ND")
    venue_notes = models.TextField(
        _("venue notes"),
        blank=True,
        help_text=_("Directions, parking, the entrance to use and the accessibility of the place."),
    )
    venue_notes_es = models.TextField(
        _("venue notes in Spanish"), blank=True, help_text=SPANISH_HELP
    )
    online_url = models.URLField(_("online meeting link"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    # Read through credit_hours_given, never alone: empty means the training's figure.
    credit_hours = models.DecimalField(
        _("credit hours"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(99)],
        help_text=_(
            "Empty: the training's credit hours. Set it when this session is shorter or "
            "longer than the training, e.g. 1.5 for a 90-minute session: its page and "
            "certificates then show this figure."
        ),
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Empty: registration closes when the session starts."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    organizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizers"),
        blank=True,
        related_name="organized_sessions",
    )
    reminder_offsets = models.CharField(
        _("reminders before the start"),
        max_length=100,
        default=DEFAULT_REMINDERS,
        blank=True,
        validators=[validate_reminder_offsets],
        help_text=_("Comma-separated, e.g. 7d,1d,2h. Empty: no reminders."),
    )
    what_to_bring = models.TextField(_("what to bring"), blank=True)
    what_to_bring_es = models.TextField(
        _("what to bring in Spanish"), blank=True, help_text=SPANISH_HELP
    )
    # Bumped when the time or place changes, so each change sends its own notice.
    schedule_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at, self.tzinfo)
        return (
            f"{self.training.title} – {self.city}, {date_format(local, 'SHORT_PLAIN_DATE_FORMAT')}"
        )

    def get_absolute_url(self) -> str:
        return reverse("events:session_detail", args=[self.public_id])

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    # Templates convert every aware datetime to the current zone (Chicago) unless it
    # is pinned; do_timezone pins it, so a Williston session shows Mountain time.
    @property
    def local_starts_at(self):
        return do_timezone(self.starts_at, self.tzinfo)

    @property
    def local_ends_at(self):
        return do_timezone(self.ends_at, self.tzinfo)

    @property
    def credit_hours_given(self) -> Decimal:
        """The credit hours attending this session earns: its own figure when an organizer
        set one, else the training's. The session page, the API and certificates read
        this, so that they never disagree."""
        if self.credit_hours is not None:
            return self.credit_hours
        return self.training.credit_hours

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and not self.venue

    @property
    def place(self) -> str:
        parts = [self.venue, self.address, f"{self.city}, {self.state}"]
        return ", ".join(p for p in parts if p)

    @property
    def seats_left(self) -> int:
        """Free seats; uses the selectors' confirmed_count annotation when present."""
        confirmed = getattr(self, "confirmed_count", None)
        if confirmed is None:
            confirmed = self.registrations.filter(status="confirmed").count()
        return max(0, self.capacity - confirmed)

    def has_ended(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0 or bool(getattr(self, "waitlisted_count", 0))

    def reminder_schedule(self) -> list[tuple[str, timedelta]]:
        return parse_reminder_offsets(self.reminder_offsets)

    def registration_closed_reason(self, now=None) -> str:
        """Why registration is closed, in words for the page; "" when it is open."""
        now = now or timezone.now()
        if self.status == self.Status.CANCELLED:
            return _("This session was cancelled.")
        if self.status != self.Status.PUBLISHED:
            return _("This session is not open for registration yet.")
        if self.starts_at <= now:
            return _("This session has already started or taken place.")
        if self.registration_opens_at and now < self.registration_opens_at:
            opens = timezone.localtime(self.registration_opens_at, self.tzinfo)
            return _("Registration opens on %(date)s.") % {
                "date": date_format(opens, "STAMP_FORMAT")
            }
        if self.registration_closes_at and now >= self.registration_closes_at:
            return _("Registration for this session has closed.")
        return ""
