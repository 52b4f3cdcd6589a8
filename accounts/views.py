from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import (
    CaseInsensitivePasswordResetForm,
    EmailAuthenticationForm,
    ProfileForm,
    SignUpForm,
)
from events.selectors.catalog import registrations_for_user


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.sign_up(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"],
            organization=data["organization"],
            default_sector=data["default_sector"],
            job_title=data["job_title"],
        )
        # The same answer whether or not the address already had an account.
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    user = services.verify_email(token=token)
    if user is None:
        return render(request, "accounts/verify_failed.html", status=400)
    messages.success(request, _("Your email address is confirmed."))
    return redirect("accounts:dashboard" if request.user.is_authenticated else "accounts:login")


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out, and tell the browser to drop what this site stored on the device: the
    door page's offline roster and queue (IndexedDB), its service worker and caches."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = CaseInsensitivePasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.mark_email_verified(user=form.user)
        return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My trainings: upcoming, waitlisted and past, in one page."""
    now = timezone.now()
    upcoming, waitlisted, past = [], [], []
    for registration in registrations_for_user(request.user):
        if registration.session.ends_at <= now:
            past.append(registration)
        elif registration.status == registration.Status.WAITLISTED:
            waitlisted.append(registration)
        else:
            upcoming.append(registration)
    return render(
        request,
        "accounts/dashboard.html",
        {"upcoming": upcoming, "waitlisted": waitlisted, "past": past},
    )


@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """Everything we hold about the signed-in user, as a JSON download."""
    from events.selectors.privacy import personal_data_for

    response = JsonResponse(
        personal_data_for(user=request.user), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = 'attachment; filename="my-training-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response
