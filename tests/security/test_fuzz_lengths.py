"""Long input at every form's limits: a field's longest value is taken, one more is refused.

Each form's text fields are found from the form itself, so a new field is covered: at
its max_length (plain and multi-byte) it is accepted or refused for another reason, and
one character over it is a form error on that field that saves nothing. PostgreSQL
enforces column lengths with an error (a 500) where SQLite stores anything, so these
assert the form's answer, not only the status. And no form field may take more
characters than the column it fills.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.forms import (
    AdminEmailAuthenticationForm,
    CaseInsensitivePasswordResetForm,
    EmailAuthenticationForm,
    ProfileForm,
    SignUpForm,
)
from accounts.models import User
from events.admin.certificates import RevokeForm
from events.admin.impact_form import ImpactReportForm
from events.admin.roster import AttendanceReasonForm, OrganizerMessageForm
from events.filters import SessionFilterForm
from events.forms import (
    AttendeeDetailsForm,
    CatalogFilterForm,
    EvaluationForm,
    RegistrationForm,
    ReminderPreferenceForm,
    ResendManageLinkForm,
    WalkInForm,
    _PersonForm,
)
from events.models import Answer, Certificate, Registration, Response
from events.models.tokens import MAX_CODE_INPUT
from events.selectors.evaluations import evaluation_token
from events.services import evaluations as evaluation_service
from events.views.certificates import VerifyForm
from events.views.privacy import EraseForm
from tests.factories import (
    OrganizerFactory,
    RegistrationFactory,
    SectorFactory,
    SessionFactory,
    TrainingFactory,
    UserFactory,
    build_questionnaire,
)
from tests.security.lengths import fill, form_body, value_of_length

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class FormPage:
    """A form as its page takes it: the form the view builds, a valid body to vary
    one field of, where the answer shows the form, and what a post could have saved."""

    url: str
    form: Callable[[], forms.BaseForm]
    body: Callable[[], dict]
    client: Client
    form_in: Callable = lambda response: response.context.get("form")
    saved: Callable[[], object] = lambda: None
    # Errors the body itself draws, per field varied: a wrong password's, say.
    also_refused: dict = field(default_factory=dict)


def _post_each_text_field_at_and_over_its_limit(page: FormPage) -> list[str]:
    checked = []
    for name, form_field in page.form().fields.items():
        limit = getattr(form_field, "max_length", None)
        if not isinstance(form_field, forms.CharField) or limit is None:
            continue
        for length, multibyte in ((limit, False), (limit, True), (limit + 1, False)):
            value = value_of_length(form_field, length, multibyte=multibyte)
            assert len(value) == length
            before = page.saved()
            response = page.client.post(page.url, {**page.body(), name: value})
            assert response.status_code < 500, (name, length, response.status_code)
            form = page.form_in(response) if response.context else None
            errors = form.errors.as_data() if form else {}
            codes = [error.code for error in errors.get(name, [])]
            if length > limit:
                assert "max_length" in codes, (name, length, response.status_code)
                assert page.saved() == before, name
            else:
                # The body is valid but for this field, which a validator of its own
                # (a slug's, a phone number's) may still refuse, but not for its length.
                assert set(errors) <= {name, *page.also_refused.get(name, ())}, (name, errors)
                assert "max_length" not in codes, (name, length, multibyte)
        checked.append(name)
    return checked


def _staff_client() -> Client:
    staff = Client()
    staff.force_login(OrganizerFactory(is_superuser=True))
    return staff


def _login_page(url_name: str, form: type[forms.BaseForm]) -> FormPage:
    # A wrong password: an address at the limit reaches the lockout, which records it.
    return FormPage(
        url=reverse(url_name),
        form=form,
        body=lambda: {"password": "wrong"},
        client=Client(),
        saved=AccessAttempt.objects.count,
        also_refused={"username": {"__all__"}},
    )


def _public_pages(sector) -> dict[str, FormPage]:
    session = SessionFactory(capacity=100)
    user = UserFactory()
    signed_in = Client()
    signed_in.force_login(user)
    registration = RegistrationFactory(session=session)
    questionnaire, questions = build_questionnaire(session.training)

    def evaluation_body() -> dict:
        saved = Response.objects.filter(registration=registration).first()
        return {
            "questionnaire": questionnaire.pk,
            "revision": evaluation_service.revision_of(saved),
            f"q{questions['scale'].pk}": "3",
            f"q{questions['single'].pk}": questions["single"].choices.first().pk,
            f"q{questions['multiple'].pk}": questions["multiple"].choices.first().pk,
        }

    password = "a-Long-passphrase-42"
    return {
        "registration": FormPage(
            url=session.get_absolute_url(),
            form=lambda: RegistrationForm(sectors=[sector]),
            body=lambda: (
                {"full_name": "Dana", "email": "d@example.org", "sector": sector.pk}
                | {"consent": "on"}
            ),
            client=Client(),
            saved=Registration.objects.count,
        ),
        "resend_manage_link": FormPage(
            url=reverse("events:resend_manage_link"),
            form=ResendManageLinkForm,
            body=dict,
            client=Client(),
        ),
        "signup": FormPage(
            url=reverse("accounts:signup"),
            form=SignUpForm,
            body=lambda: (
                {"full_name": "Sam", "email": "s@example.org"}
                | {"password1": password, "password2": password}
            ),
            client=Client(),
            saved=User.objects.count,
        ),
        "login": _login_page("accounts:login", EmailAuthenticationForm),
        "admin_login": _login_page("admin:login", AdminEmailAuthenticationForm),
        "password_reset": FormPage(
            url=reverse("accounts:password_reset"),
            form=CaseInsensitivePasswordResetForm,
            body=dict,
            client=Client(),
        ),
        "profile": FormPage(
            url=reverse("accounts:profile"),
            form=lambda: ProfileForm(instance=user),
            body=dict,
            client=signed_in,
            saved=lambda: User.objects.values().get(pk=user.pk),
        ),
        "manage_details": FormPage(
            url=reverse("events:manage_details", args=[registration.manage_token]),
            form=lambda: AttendeeDetailsForm(sectors=[sector]),
            body=lambda: {"full_name": "Dana", "sector": sector.pk, "language": "en"},
            client=Client(),
            form_in=lambda response: response.context.get("details_form"),
            saved=lambda: Registration.objects.values().get(pk=registration.pk),
        ),
        "walk_in": FormPage(
            url=reverse("events:organize_walk_in", args=[session.pk]),
            form=lambda: WalkInForm(sectors=[sector]),
            body=lambda: {"full_name": "Walk In", "sector": sector.pk, "consent": "on"},
            client=_staff_client(),
            form_in=lambda response: response.context.get("walk_in"),
            saved=Registration.objects.count,
        ),
        "evaluation": FormPage(
            url=reverse("events:evaluate", args=[evaluation_token(registration, "pre"), "pre"]),
            form=lambda: EvaluationForm(
                questionnaire=questionnaire, questions=list(questions.values())
            ),
            body=evaluation_body,
            client=Client(),
            # The revision is the server's; any other is a stale form, refused whole.
            also_refused={"revision": {"__all__"}},
            saved=lambda: list(Answer.objects.values_list("text", flat=True)),
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "registration",
        "resend_manage_link",
        "signup",
        "login",
        "admin_login",
        "password_reset",
        "profile",
        "walk_in",
        "evaluation",
        "manage_details",
    ],
)
def test_public_form_fields_take_their_limit_and_refuse_one_character_more(
    name, sector, _fast_passwords
):
    assert _post_each_text_field_at_and_over_its_limit(_public_pages(sector)[name])


def test_certificate_lookup_answers_not_found_for_a_code_one_over_its_limit(client):
    for code in ("7" * MAX_CODE_INPUT, fill(MAX_CODE_INPUT, multibyte=True), "7" * 41):
        response = client.get(reverse("events:certificate_verify_lookup"), {"code": code})
        assert response.status_code == 404
        assert response.context["not_found"]


ADMIN_OBJECTS = {
    "accounts.user": UserFactory,
    "events.sector": SectorFactory,
    "events.training": TrainingFactory,
    "events.trainingsession": SessionFactory,
    "events.registration": RegistrationFactory,
    "events.questionnaire": lambda: build_questionnaire(TrainingFactory())[0],
    "events.question": lambda: build_questionnaire(TrainingFactory())[1]["text"],
}


@pytest.mark.parametrize("label", ADMIN_OBJECTS)
def test_admin_change_form_fields_take_their_limit_and_refuse_one_character_more(
    label, _fast_passwords
):
    obj = ADMIN_OBJECTS[label]()
    opts = obj._meta
    staff = _staff_client()
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    page = staff.get(url)
    body = form_body(page.content.decode(), f"{opts.model_name}_form")
    checked = _post_each_text_field_at_and_over_its_limit(
        FormPage(
            url=url,
            form=lambda: page.context["adminform"].form,
            body=lambda: body,
            client=staff,
            form_in=lambda response: response.context["adminform"].form,
            saved=lambda: model_to_dict(type(obj).objects.get(pk=obj.pk)),
        )
    )
    assert checked


# Where each plain form's text is stored, field by field; a ModelForm says so itself.
# A new form fails the test below until it has a row here.
_AXES_USERNAME = {"username": AccessAttempt._meta.get_field("username")}
STORED_IN: dict[type, type[models.Model] | dict[str, models.Field]] = {
    SignUpForm: User,
    RegistrationForm: Registration,
    AttendeeDetailsForm: Registration,
    WalkInForm: Registration,
    _PersonForm: Registration,
    EmailAuthenticationForm: _AXES_USERNAME,
    AdminEmailAuthenticationForm: _AXES_USERNAME,
    RevokeForm: {"reason": Certificate._meta.get_field("revoked_reason")},
    # A notice's JSON payload; the audit trail keeps a subject cut to its own length.
    OrganizerMessageForm: {},
    # The audit trail's JSON detail (the walk-in form's reason too, not a column).
    AttendanceReasonForm: {},
    # Free text goes to Answer.text, unbounded; the revision is compared, not stored.
    EvaluationForm: {},
    # These only look up, filter or confirm.
    CaseInsensitivePasswordResetForm: {},
    ResendManageLinkForm: {},
    VerifyForm: {},
    CatalogFilterForm: {},
    SessionFilterForm: {},
    ReminderPreferenceForm: {},
    EraseForm: {},
    ImpactReportForm: {},
}
PROJECT_PACKAGES = ("accounts", "events", "trafficking_training")


def _project_forms() -> set[type[forms.BaseForm]]:
    for package in map(importlib.import_module, PROJECT_PACKAGES):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found, pending = set(), [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith(PROJECT_PACKAGES):
                found.add(subclass)
    return found


def _admin_forms() -> list[type[forms.BaseModelForm]]:
    """The admin's forms and their inlines' forms, for every model."""
    request = RequestFactory().get("/")
    request.user = OrganizerFactory(is_superuser=True)
    found = []
    for model_admin in admin.site._registry.values():
        found.append(model_admin.get_form(request, None))
        if hasattr(model_admin, "add_form"):
            # The user admin adds with one form and changes with another.
            found.append(model_admin.get_form(request, request.user, change=True))
        found += [
            inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)
        ]
    return found


def _columns(form_class) -> dict[str, models.Field]:
    if issubclass(form_class, forms.BaseModelForm):
        stored_in = form_class._meta.model
    else:
        stored_in = STORED_IN[form_class]
    if isinstance(stored_in, dict):
        return stored_in
    return {field.name: field for field in stored_in._meta.concrete_fields}


def test_every_plain_form_says_where_its_text_is_stored():
    plain = {form for form in _project_forms() if not issubclass(form, forms.BaseModelForm)}
    assert plain <= set(STORED_IN), plain - set(STORED_IN)


def test_no_form_field_takes_more_characters_than_the_column_it_fills():
    too_long = []
    for form_class in [*_project_forms(), *_admin_forms()]:
        columns = _columns(form_class)
        for name, form_field in form_class.base_fields.items():
            column = columns.get(name)
            if not isinstance(form_field, forms.CharField) or column is None:
                continue
            limit = getattr(column, "max_length", None)
            if limit is not None and (form_field.max_length or limit + 1) > limit:
                too_long.append(f"{form_class.__name__}.{name}: {form_field.max_length} > {limit}")
    assert not too_long
