"""Account emails from the outbox: address confirmation, "an account exists", password reset.

The same outbox, task and SMTP path as every registrant's email (services/notifications.py),
with an HTML and a text part from one context, the site's Message-ID and
Auto-Submitted, in the language the visitor asked in. What each links to is made here,
when the email is built, so the outbox never holds a reset token or a proof:
- the confirmation link carries a signed proof of the address (models/addresses.py),
  valid for three days from the build;
- the reset link carries Django's password-reset token, valid for
  PASSWORD_RESET_TIMEOUT from the build and spent once the password changes.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from events.documents.email_html import MARK_CID
from events.models import Notification, Registration
from events.models.addresses import address_proof


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def account_context(notification: Notification) -> dict:
    """What an account email's templates print: the account, its links, the site's."""
    user = notification.user
    context = {
        "notification": notification,
        "user": user,
        "site_url": settings.SITE_URL,
        "mark_cid": MARK_CID,
        "login_url": _absolute(reverse("accounts:login")),
        "reset_url": _absolute(reverse("accounts:password_reset")),
    }
    if notification.kind == Notification.Kind.VERIFY_EMAIL:
        token = address_proof(user_id=user.pk, email=user.email)
        context["link"] = _absolute(reverse("accounts:verify_email", args=[token]))
    elif notification.kind == Notification.Kind.PASSWORD_RESET:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        context["link"] = _absolute(
            reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        )
    return context


def account_language(notification: Notification) -> str:
    """The language the visitor asked in (kept with the row), or the site's."""
    return Registration.language_for(notification.payload.get("language", ""))


def render_account_texts(notification: Notification) -> tuple[str, str, str]:
    """The subject (one line), the text body and the HTML body of an account email."""
    name = f"emails/{notification.kind}"
    context = account_context(notification)
    with translation.override(account_language(notification)):
        subject = render_to_string(f"{name}_subject.txt", context)
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    return " ".join(subject.split()), text, html
