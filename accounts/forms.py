from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from events.models import Notification, Sector
from events.models.bilingual import localized
from events.services.notifications import queue_account_email

from .models import User, normalize_email_address


class SectorField(forms.ModelChoiceField):
    """Sectors named in the reader's language, as the registration form names them."""

    def label_from_instance(self, obj: Sector) -> str:
        return localized(obj, "name").text


class SignUpForm(forms.Form):
    """Sign-up details. A plain form, not a ModelForm: a model form would validate the
    unique email and so tell anyone which addresses have an account.
    accounts.services.sign_up handles an existing email instead."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)
    default_sector = SectorField(
        label=_("Sector"), queryset=Sector.objects.filter(active=True), required=False
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return normalize_email_address(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        if p1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    # The account's column length, declared here: AuthenticationForm copies it onto the
    # field only after the field is built, which sets the input's maxlength but checks
    # nothing, and an EmailField alone accepts 320 characters.
    username = forms.EmailField(
        label=_("Email"),
        max_length=User._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return normalize_email_address(self.cleaned_data["username"])


class AdminEmailAuthenticationForm(EmailAuthenticationForm, AdminAuthenticationForm):
    """The admin's login: the site's email field, and the admin's staff-only check."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "organization", "default_sector", "job_title"]
        field_classes = {"default_sector": SectorField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_sector"].queryset = Sector.objects.filter(active=True)


class CaseInsensitivePasswordResetForm(PasswordResetForm):
    """Matches the stored lower-case email; answers the same whether or not it exists."""

    def get_users(self, email: str):
        return super().get_users(normalize_email_address(email))

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        """Queue the reset email in the outbox; the worker signs its link when it builds
        it, so no reset token is ever stored."""
        queue_account_email(
            user=context["user"],
            kind=Notification.Kind.PASSWORD_RESET,
            language=translation.get_language(),
        )
