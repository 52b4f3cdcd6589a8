"""Forms: registration, catalogue filters, the manage page, and the door's walk-ins."""

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from events.models import Question, Registration, Sector
from events.models.bilingual import localized
from events.models.evaluations import AnswerInput


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


# Years outside 1900-2099 would reach the ORM as impossible dates.
MONTH_FORMAT = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"


class SectorChoiceField(forms.TypedChoiceField):
    """A choice of the given sectors that cleans to the Sector itself.

    Unlike ModelChoiceField it runs no query: the registration view passes the
    active sectors it keeps cached, so a registration POST does not look its
    sector up again (the foreign key still guards the row).
    """

    def __init__(self, *, sectors: list[Sector], empty_label, **kwargs) -> None:
        by_pk = {str(sector.pk): sector for sector in sectors}
        super().__init__(
            choices=[
                ("", empty_label),
                *((pk, localized(sector, "name").text) for pk, sector in by_pk.items()),
            ],
            coerce=by_pk.__getitem__,
            **kwargs,
        )

    def prepare_value(self, value):
        # Initial data holds a Sector or its id; the widget compares strings.
        return str(getattr(value, "pk", value)) if value not in (None, "") else ""


# The registrant's fields as the model defines them (labels, lengths, validators),
# built once. A plain Form, not a ModelForm: the form never saves (the service writes
# the row), and a ModelForm would build a blank Registration, with fresh tokens, for
# every form it makes.
_MODEL_FIELDS = forms.fields_for_model(
    Registration,
    fields=["full_name", "email", "organization", "job_title", "accommodations"],
    widgets={
        "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
        "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        "organization": forms.TextInput(attrs={"autocomplete": "organization"}),
        "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
        "accommodations": forms.Textarea(attrs={"rows": 2}),
    },
    help_texts={
        "accommodations": _("Interpreting, mobility, dietary or other needs (optional)."),
        "email": _("We send your confirmation and a private link to manage it here."),
    },
)
# Only a walk-in may have no email (WalkInForm); whoever registers gives one.
_MODEL_FIELDS["email"].required = True
SECTOR_LABEL = Registration._meta.get_field("sector").formfield().label


class _PersonForm(forms.Form):
    """A person's name and sector, for registering oneself or adding a walk-in.

    The sector field is added per form from the sectors the caller passes (one query
    otherwise); the texts that speak to "you" or "them" are class attributes.
    """

    sector_prompt = ""
    missing_name = ""
    field_order: list[str] = []

    def __init__(self, *args, sectors: list[Sector] | None = None, **kwargs) -> None:
        """sectors: the active sectors, when the caller has them (else one query)."""
        super().__init__(*args, **kwargs)
        self.fields["sector"] = SectorChoiceField(
            sectors=list(Sector.objects.filter(active=True)) if sectors is None else sectors,
            empty_label=self.sector_prompt,
            label=SECTOR_LABEL,
            error_messages={"invalid_choice": _("Choose one of the listed sectors.")},
        )
        self.order_fields(self.field_order)

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(self.missing_name)
        return name


class RegistrationForm(_PersonForm):
    full_name = _MODEL_FIELDS["full_name"]
    email = _MODEL_FIELDS["email"]
    organization = _MODEL_FIELDS["organization"]
    job_title = _MODEL_FIELDS["job_title"]
    accommodations = _MODEL_FIELDS["accommodations"]
    consent = forms.BooleanField(
        label=_(
            "I agree that the organizers keep these details to run this training and report "
            "anonymous totals to its funders, as the privacy notice describes."
        ),
        required=True,
        error_messages={"required": _("Please give your consent so that we can register you.")},
    )
    # Filled in by static/js/registration.js from the browser; a hint, never an error.
    timezone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    field_order = ["full_name", "email", "organization", "sector", "job_title"]
    sector_prompt = _("Choose the sector you work in")
    missing_name = _("Please enter your name.")

    def clean_timezone(self) -> str:
        zone = self.cleaned_data["timezone"].strip()
        return zone if zone in _known_zones() else ""


def _language_choices() -> list[tuple[str, str]]:
    # Each language by its own name, as the language switcher lists them.
    return [
        (code, get_language_info(code)["name_local"].capitalize())
        for code, _name in settings.LANGUAGES
    ]


class AttendeeDetailsForm(_PersonForm):
    """A registrant's corrections from their manage link: everything they gave but the
    email address, which would first have to prove it is theirs."""

    full_name = _MODEL_FIELDS["full_name"]
    organization = _MODEL_FIELDS["organization"]
    job_title = _MODEL_FIELDS["job_title"]
    accommodations = _MODEL_FIELDS["accommodations"]
    language = forms.ChoiceField(
        label=_("Language of your emails and certificate"),
        choices=_language_choices,
        error_messages={"invalid_choice": _("Choose one of the listed languages.")},
    )
    field_order = ["full_name", "organization", "sector", "job_title", "accommodations"]
    sector_prompt = _("Choose the sector you work in")
    missing_name = _("Please enter your name.")

    @staticmethod
    def initial_for(registration: Registration) -> dict:
        return {
            "full_name": registration.full_name,
            "organization": registration.organization,
            # As the choice's key: has_changed() coerces the initial value too.
            "sector": str(registration.sector_id),
            "job_title": registration.job_title,
            "accommodations": registration.accommodations,
            "language": registration.language,
        }


class CityChoiceField(forms.ChoiceField):
    """One of the cities offered, typed in any case and with stray spaces, as the API
    reads its city: ?city=fargo is Fargo, not a city the catalogue does not know."""

    def to_python(self, value) -> str:
        value = super().to_python(value).strip()
        offered = {str(city).casefold(): city for city, _label in self.choices}
        return offered.get(value.casefold(), value)


class CatalogFilterForm(forms.Form):
    sector = forms.ModelChoiceField(
        queryset=Sector.objects.filter(active=True),
        to_field_name="slug",
        required=False,
        label=_("Sector"),
        empty_label=_("All sectors"),
    )
    city = CityChoiceField(required=False, label=_("City"))
    month = forms.RegexField(
        regex=MONTH_FORMAT,
        required=False,
        label=_("Month"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )
    mode = forms.ChoiceField(
        required=False,
        label=_("Format"),
        choices=[("", _("Any")), ("in_person", _("In person")), ("online", _("Online"))],
    )
    # Not on the catalogue's form (nearly every session is in North Dakota), but read
    # from its address like the others, so that a feed or an embedded list for a
    # neighbouring state's sessions can ask for them: ?state=MN.
    state = forms.RegexField(
        regex=r"^[A-Za-z]{2}$",
        required=False,
        label=_("State"),
        error_messages={"invalid": _("Enter a state as its two-letter code, like ND.")},
    )

    def __init__(self, *args, cities: list[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].label_from_instance = lambda sector: localized(sector, "name").text
        self.fields["city"].choices = [("", _("All cities"))] + [(c, c) for c in cities]

    def clean_state(self) -> str:
        return self.cleaned_data["state"].upper()

    def filters(self) -> dict[str, str]:
        """The cleaned filters as selectors.catalog.upcoming_sessions takes them."""
        data = self.cleaned_data
        return {
            "sector": data["sector"].slug if data["sector"] else "",
            "city": data["city"],
            "state": data["state"],
            "month": data["month"],
            "mode": data["mode"],
        }


class ReminderPreferenceForm(forms.Form):
    reminders = forms.BooleanField(required=False, label=_("Send me reminder emails"))


class ResendManageLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("The address you registered with."),
    )


class WalkInForm(_PersonForm):
    """Someone at the door without a place: the organizer adds them and checks them in."""

    full_name = _MODEL_FIELDS["full_name"]
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_("Optional, but needed to send them their certificate."),
    )
    organization = _MODEL_FIELDS["organization"]
    consent = forms.BooleanField(
        label=_("They agreed that we keep these details, as the privacy notice describes."),
        required=True,
        error_messages={"required": _("Ask for their consent before adding them.")},
    )
    reason = forms.CharField(
        label=_("Reason for checking in outside the check-in hours"),
        required=False,
        max_length=500,
        help_text=_("Only needed outside the check-in hours; kept in the audit trail."),
    )
    field_order = ["full_name", "email", "organization", "sector", "consent", "reason"]
    sector_prompt = _("Choose the sector they work in")
    missing_name = _("Please enter their name.")

    def __init__(self, *args, door_open: bool = True, **kwargs) -> None:
        """door_open: within the check-in hours, where no reason is asked for."""
        super().__init__(*args, **kwargs)
        if door_open:
            del self.fields["reason"]


# --- Evaluations ----------------------------------------------------------------------

_QUESTION_FIELD = "q"


class EvaluationForm(forms.Form):
    """The answers to one phase: one field per question, named q<id>, plus the version.

    Only parses; services.evaluations.submit_evaluation decides whether to save.
    """

    questionnaire = forms.IntegerField(widget=forms.HiddenInput)
    revision = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, questionnaire, questions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire_id = questionnaire.pk
        self.questions = questions
        for question in questions:
            self.fields[f"{_QUESTION_FIELD}{question.pk}"] = self._field_for(question)

    @staticmethod
    def _field_for(question) -> forms.Field:
        common = {"label": question.text, "required": question.required}
        # Bootstrap's look for every option (bigger on the evaluation page, in site.css).
        option = {"class": "form-check-input"}
        if question.kind == Question.Kind.SCALE:
            labels = {1: question.scale_low_label, 5: question.scale_high_label}
            choices = [
                (value, f"{value} – {labels[value]}" if labels.get(value) else str(value))
                for value in range(1, 6)
            ]
            return forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect(attrs=option),
                empty_value=None,
                **common,
            )
        options = [(choice.pk, choice.text) for choice in question.choices.all()]
        if question.kind == Question.Kind.SINGLE:
            return forms.TypedChoiceField(
                choices=options,
                coerce=int,
                widget=forms.RadioSelect(attrs=option),
                empty_value=None,
                **common,
            )
        if question.kind == Question.Kind.MULTIPLE:
            return forms.TypedMultipleChoiceField(
                choices=options,
                coerce=int,
                widget=forms.CheckboxSelectMultiple(attrs=option),
                **common,
            )
        return forms.CharField(
            max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), strip=True, **common
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("questionnaire") not in (None, self.questionnaire_id):
            raise forms.ValidationError(
                _("The questionnaire has changed since this page was opened. Please answer again.")
            )
        known = set(self.fields)
        for key in self.data:
            if key.startswith(_QUESTION_FIELD) and key[1:].isdigit() and key not in known:
                raise forms.ValidationError(
                    _("The answers do not match this questionnaire. Please reload the page.")
                )
        return cleaned

    def question_fields(self):
        """(question, bound field) pairs in order, for the template's fieldsets."""
        return [(q, self[f"{_QUESTION_FIELD}{q.pk}"]) for q in self.questions]

    def answers(self):
        """The cleaned answers as the service takes them."""
        result = []
        for question in self.questions:
            value = self.cleaned_data.get(f"{_QUESTION_FIELD}{question.pk}")
            if question.kind == Question.Kind.SCALE:
                answer = AnswerInput(question_id=question.pk, scale_value=value)
            elif question.kind == Question.Kind.SINGLE:
                chosen = frozenset() if value is None else frozenset([value])
                answer = AnswerInput(question_id=question.pk, choice_ids=chosen)
            elif question.kind == Question.Kind.MULTIPLE:
                answer = AnswerInput(question_id=question.pk, choice_ids=frozenset(value or []))
            else:
                answer = AnswerInput(question_id=question.pk, text=value or "")
            result.append(answer)
        return result


def initial_answers(response) -> dict:
    """A saved response as the form's initial data."""
    if response is None:
        return {}
    initial = {}
    for answer in response.answers.all():
        key = f"{_QUESTION_FIELD}{answer.question_id}"
        kind = answer.question.kind
        chosen = [choice.pk for choice in answer.choices.all()]
        if kind == Question.Kind.SCALE:
            initial[key] = answer.scale_value
        elif kind == Question.Kind.SINGLE:
            initial[key] = chosen[0] if chosen else None
        elif kind == Question.Kind.MULTIPLE:
            initial[key] = chosen
        else:
            initial[key] = answer.text
    return initial
