"""Certificates: public verification by code, downloads for the attendee and organizers.

No certificate URL carries an id: the public ones carry the verification code and the
attendee's carry the manage token. Anything not allowed is a 404, never a 403, so a
page never confirms that a certificate exists.
"""

import json

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from events.documents.badge_keys import SigningKeyMissing
from events.documents.badges import open_badge_credential, signed_open_badge
from events.models import Certificate
from events.models.tokens import MAX_CODE_INPUT
from events.selectors import certificates as certificate_selectors
from events.selectors import scope
from events.services import badges as badge_service
from events.services import certificates as certificate_service
from events.views.registration import registration_from_token

from .badges import not_configured
from .page_cache import private_page


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=MAX_CODE_INPUT,
        help_text=gettext_lazy("As printed on the certificate, e.g. 7KQ4-M2XD-9RTF-ABCD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _not_found(request: HttpRequest, form: VerifyForm | None = None) -> HttpResponse:
    """The lookup form again, with a 404: unknown, malformed and overlong codes alike."""
    form = form or VerifyForm()
    response = render(
        request, "events/certificates/verify_lookup.html", {"form": form, "not_found": True}
    )
    response.status_code = 404
    return response


@require_GET
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """The lookup form; a submitted code redirects to its verify page."""
    if "code" not in request.GET:
        return render(request, "events/certificates/verify_lookup.html", {"form": VerifyForm()})
    form = VerifyForm(request.GET)
    if form.is_valid():
        certificate = certificate_selectors.find_by_code(form.cleaned_data["code"])
        if certificate is not None:
            return redirect("events:certificate_verify", code=certificate.display_code)
    return _not_found(request, VerifyForm(initial={"code": request.GET.get("code", "")[:40]}))


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Valid or revoked, with the name, training, date and issuer, and nothing more."""
    certificate = certificate_selectors.find_by_code(code)
    if certificate is None:
        return _not_found(request)
    response = render(request, "events/certificates/verify.html", {"certificate": certificate})
    # Verification pages are for people holding the code, not for search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


def _pdf_response(certificate: Certificate) -> HttpResponse:
    if not certificate.is_valid:
        raise Http404(_("This certificate was revoked."))
    response = HttpResponse(
        certificate_service.certificate_pdf(certificate), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.display_code}.pdf"'
    )
    return private_page(response)


def _can_download(user, certificate: Certificate) -> bool:
    """The attendee (by account or verified email) or an organizer of the session."""
    if not user.is_authenticated:
        return False
    registration = certificate.registration
    if registration.user_id == user.pk:
        return True
    if user.email_verified_at is not None and registration.email == user.email:
        return True
    return scope.sessions_for_organizer(user).filter(pk=registration.session_id).exists()


@require_GET
def download(request: HttpRequest, code: str) -> HttpResponse:
    """A logged-in attendee's or organizer's download; everyone else gets a 404."""
    certificate = certificate_selectors.find_by_code(code)
    if certificate is None or not _can_download(request.user, certificate):
        raise Http404(_("No such certificate."))
    return _pdf_response(certificate)


def _manage_certificate(token: str) -> Certificate:
    registration = registration_from_token(token)
    certificate = Certificate.objects.filter(registration=registration).first()
    if certificate is None:
        raise Http404(_("There is no certificate for this registration yet."))
    return certificate


@require_GET
def manage_download(request: HttpRequest, token: str) -> HttpResponse:
    """The attendee's download from the manage link (the token is the credential)."""
    return _pdf_response(_manage_certificate(token))


def _badge_certificate(token: str) -> Certificate:
    """The manage link's valid certificate, with its place in the revocation status list."""
    certificate = _manage_certificate(token)
    if not certificate.is_valid:
        raise Http404(_("This certificate was revoked."))
    return badge_service.ensure_status_index(certificate=certificate)


def _attachment(body: str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_page(response)


@require_GET
def manage_badge(request: HttpRequest, token: str) -> HttpResponse:
    """The Open Badges 3.0 credential as plain JSON-LD, for tools that read it unsigned."""
    certificate = _badge_certificate(token)
    body = json.dumps(open_badge_credential(certificate), indent=2, ensure_ascii=False)
    return _attachment(
        body,
        content_type="application/ld+json; charset=utf-8",
        filename=f"open-badge-{certificate.display_code}.json",
    )


@require_GET
def manage_signed_badge(request: HttpRequest, token: str) -> HttpResponse:
    """The Open Badges 3.0 credential signed as a VC-JWT, for wallets and verifiers.

    Only from the manage link, never from a public URL: the credential carries the
    salt of the email hash, and with both anyone could test guesses of the email.
    """
    certificate = _badge_certificate(token)
    try:
        body = signed_open_badge(certificate)
    except SigningKeyMissing:
        return not_configured()
    return _attachment(
        body,
        content_type="application/jwt",
        filename=f"open-badge-{certificate.display_code}.jwt",
    )
