"""The public API's query filters (django-filter): each one parses and checks its value.

A value that does not parse (an unknown sector, a date that is no date, has_seats=maybe,
from after to) is a 400 that names the parameter, never an empty list that hides the typo.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from events.models import TrainingSession
from events.selectors import api as selectors
from events.selectors import catalog

# django-filter's BooleanFilter reads any other word ("maybe") as "not given": these
# are strict, so a typo is answered with a 400 rather than silently ignored.
_TRUE_OR_FALSE = [("true", "true"), ("false", "false")]


def _sector_choices() -> list[tuple[str, str]]:
    return [(sector.slug, sector.name) for sector in catalog.active_sectors()]


# Parameters whose value is a date, a choice or a slug: given empty, they are refused
# (django-filter would read "" as "not given", which hides a caller's bug).
NOT_EMPTY = ("sector", "training", "online", "has_seats", "from", "to")


class SessionFilterForm(forms.Form):
    """Checks what a single field cannot: empty values, and the date range."""

    def clean(self) -> dict:
        data = super().clean()
        for name in NOT_EMPTY:
            if name in self.data and not self.data[name].strip():
                self.add_error(name, _("Give a value, or leave this parameter out."))
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end date comes before the start date."))
        return data


class SessionFilter(filters.FilterSet):
    # Choices read when a request is parsed, so a sector added in the admin counts at once;
    # the schema lists them as the parameter's allowed values.
    sector = filters.ChoiceFilter(
        choices=_sector_choices,
        method="in_sector",
        help_text=_("A sector's slug, from /api/v1/sectors/."),
    )
    # Only public trainings: a draft's slug is refused like an unknown one.
    training = filters.ModelChoiceFilter(
        field_name="training",
        queryset=lambda request: selectors.api_trainings(),
        to_field_name="slug",
        help_text=_("A training's slug, from /api/v1/trainings/."),
    )
    city = filters.CharFilter(
        field_name="city", lookup_expr="iexact", max_length=100, help_text=_("A city, in any case.")
    )
    state = filters.CharFilter(
        field_name="state",
        lookup_expr="iexact",
        max_length=2,
        help_text=_("A two-letter state code, such as ND."),
    )
    online = filters.ChoiceFilter(
        choices=_TRUE_OR_FALSE,
        method="by_online",
        help_text=_("true: sessions that can be joined online; false: the others."),
    )
    has_seats = filters.ChoiceFilter(
        choices=_TRUE_OR_FALSE,
        method="by_seats",
        help_text=_(
            "true: a seat is free now; false: full, new registrants join the waiting list."
        ),
    )
    # "from" and "to" are the parameters' names, and "from" is a Python keyword: the
    # class body's namespace takes them by name.
    vars()["from"] = filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__gte",
        help_text=_("Sessions starting on or after this day (YYYY-MM-DD, Central time)."),
    )
    vars()["to"] = filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__lte",
        help_text=_("Sessions starting on or before this day (YYYY-MM-DD, Central time)."),
    )

    class Meta:
        model = TrainingSession
        fields: list[str] = []
        form = SessionFilterForm

    def in_sector(self, queryset, name, value: str):
        return catalog.in_sector(queryset, value)

    def by_online(self, queryset, name, value: str):
        return catalog.online_or_not(queryset, online=value == "true")

    def by_seats(self, queryset, name, value: str):
        return selectors.with_free_seat_or_not(queryset, free=value == "true")
