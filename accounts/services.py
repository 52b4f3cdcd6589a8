"""Account writes: email verification."""

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

VERIFY_SALT = "accounts.verify-email"
VERIFY_MAX_AGE = 60 * 60 * 24 * 3


def send_email_verification(*, user: User) -> User:
    """Email a signed link that proves the user owns their address."""
    from accounts.tasks import send_account_email

    token = signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)
    link = settings.SITE_URL + reverse("accounts:verify_email", args=[token])
    context = {"user": user, "link": link}
    send_account_email.delay_on_commit(
        subject=render_to_string("emails/verify_email_subject.txt", context).strip(),
        body=render_to_string("emails/verify_email.txt", context),
        to=user.email,
    )
    return user


def verify_email(*, token: str) -> User | None:
    """Mark the address verified; None for a bad, expired or outdated link."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u"), email=data.get("e")).first()
    if user is None:
        return None
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def mark_email_verified(*, user: User) -> User:
    """A completed password reset also proves the address."""
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user
