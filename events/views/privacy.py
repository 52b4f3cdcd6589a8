"""Privacy pages: an attendee erases their own registration from the manage link."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from events.selectors.registrations import find_by_manage_token
from events.services import privacy


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        label=gettext_lazy(
            "I understand that this removes my name and contact details, cancels an "
            "upcoming place and cannot be undone."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


@require_POST
def erase(request: HttpRequest, token: str) -> HttpResponse:
    """Erase the registration this manage link opens; the link stops working afterwards."""
    registration = find_by_manage_token(token)
    if registration is None or registration.anonymized_at is not None:
        raise Http404(_("This link is not valid. It may have been mistyped."))
    form = EraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect("events:manage", token=token)
    privacy.erase_registration(registration_id=registration.pk)
    messages.success(
        request,
        _(
            "Your details are erased. Only anonymous totals remain, and your manage link "
            "no longer works."
        ),
    )
    return redirect("home")
