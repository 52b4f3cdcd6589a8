"""The impact report's filters: a Django form that only parses and checks them.

Its choices (trainings, cities, states, sectors, organizers) are the ones within the
user's sessions, loaded by the view in one query each and passed in, so checking a
value runs no query and a value from outside the user's scope is "not a valid choice".
"""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Sector
from events.selectors.impact import DEFAULT_PERIOD, PERIODS, ImpactFilters, period_range

CUSTOM = "custom"
# Dates outside these years are typos (or probes), not reporting periods.
FIRST_YEAR, LAST_YEAR = 2000, 2100
MODES = [
    ("", _("In person and online")),
    ("in_person", _("In person")),
    ("online", _("Online")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class ImpactReportForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[*PERIODS.items(), (CUSTOM, _("The dates below"))],
        required=False,
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To (inclusive)"), required=False, widget=DateInput)
    training = forms.TypedChoiceField(label=_("Training"), required=False, coerce=int)
    city = forms.ChoiceField(label=_("City"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    mode = forms.ChoiceField(label=_("In person or online"), choices=MODES, required=False)
    organizer = forms.TypedChoiceField(label=_("Organizer"), required=False, coerce=int)

    def __init__(
        self,
        data,
        *,
        trainings: list[tuple[int, str]],
        places: list[tuple[str, str]],
        sectors: list[Sector],
        organizers: list[tuple[int, str]],
        today: date | None = None,
    ) -> None:
        # No filters in the query string: the default period, everything else open.
        super().__init__(data or {"period": DEFAULT_PERIOD})
        self.today = today or timezone.localdate()
        self.sectors_by_slug = {sector.slug: sector for sector in sectors}
        self.fields["training"].choices = [("", _("All trainings")), *trainings]
        self.fields["city"].choices = [
            ("", _("All cities")),
            *((city, city) for city in sorted({city for city, _state in places})),
        ]
        self.fields["state"].choices = [
            ("", _("All states")),
            *((state, state) for state in sorted({state for _city, state in places})),
        ]
        self.fields["sector"].choices = [
            ("", _("All sectors")),
            *((sector.slug, sector.name) for sector in sectors),
        ]
        self.fields["organizer"].choices = [("", _("All organizers")), *organizers]

    def _check_year(self, name: str) -> date | None:
        value = self.cleaned_data.get(name)
        if value and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Enter a date between %(first)d and %(last)d."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return value

    def clean_start(self) -> date | None:
        return self._check_year("start")

    def clean_end(self) -> date | None:
        return self._check_year("end")

    def clean(self) -> dict:
        cleaned = super().clean()
        period = cleaned.get("period") or DEFAULT_PERIOD
        if period == CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if "start" in self.errors or "end" in self.errors:
                return cleaned
            if not start or not end:
                raise forms.ValidationError(_("Enter both dates of the period."))
            if start > end:
                raise forms.ValidationError(_("The period ends before it starts."))
        else:
            cleaned["start"], cleaned["end"] = period_range(period, self.today)
            # The fields show the dates a quick pick stands for.
            self.data = self.data.copy()
            self.data["start"], self.data["end"] = cleaned["start"], cleaned["end"]
        cleaned["period"] = period
        return cleaned

    def filters(self) -> ImpactFilters:
        """The cleaned filters for the selector (call after is_valid())."""
        c = self.cleaned_data
        sector = self.sectors_by_slug.get(c["sector"])
        return ImpactFilters(
            starts_on=c["start"],
            ends_on=c["end"],
            training_id=c["training"] if c["training"] != "" else None,
            city=c["city"],
            state=c["state"],
            sector_id=sector.pk if sector else None,
            mode=c["mode"],
            organizer_id=c["organizer"] if c["organizer"] != "" else None,
        )

    def described(self) -> list[tuple[str, str]]:
        """The chosen filters in words, for the page heading and the exports' cover."""
        described = []
        for name in ("training", "city", "state", "sector", "mode", "organizer"):
            value = self.cleaned_data.get(name)
            if value in ("", None):
                continue
            labels = {str(key): label for key, label in self.fields[name].choices}
            described.append((str(self.fields[name].label), str(labels.get(str(value), value))))
        return described
