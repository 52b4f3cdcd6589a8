"""Account writes: sign-up and email verification."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, normalize_email_address
from events.services.enqueue import enqueue_on_commit

# accounts/tasks.py; named, so that services never import tasks.
ACCOUNT_EMAIL_TASK = "accounts.tasks.send_account_email"

VERIFY_SALT = "accounts.verify-email"
VERIFY_MAX_AGE = 60 * 60 * 24 * 3


def send_email_verification(*, user: User) -> User:
    """Email a signed link that proves the user owns their address."""
    token = signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)
    link = settings.SITE_URL + reverse("accounts:verify_email", args=[token])
    context = {"user": user, "link": link}
    enqueue_on_commit(
        ACCOUNT_EMAIL_TASK,
        kwargs={
            "subject": render_to_string("emails/verify_email_subject.txt", context).strip(),
            "body": render_to_string("emails/verify_email.txt", context),
            "to": user.email,
        },
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


def _send_account_exists(*, user: User) -> User:
    """Tell the owner of an address that someone tried to sign up with it."""
    context = {
        "user": user,
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
    }
    enqueue_on_commit(
        ACCOUNT_EMAIL_TASK,
        kwargs={
            "subject": render_to_string("emails/account_exists_subject.txt", context).strip(),
            "body": render_to_string("emails/account_exists.txt", context),
            "to": user.email,
        },
    )
    return user


def sign_up(*, email: str, password: str, **profile) -> User | None:
    """Create an account and send its confirmation link; None when the email has one.

    Both outcomes send one email and take about as long (the password is hashed
    either way), so the sign-up page never tells anyone whether an address is
    registered. The existing owner is told someone tried, with login and reset links.
    """
    email = normalize_email_address(email)
    hashed = make_password(password)
    existing = User.objects.filter(email=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create(email=email, password=hashed, **profile)
                send_email_verification(user=user)
                return user
        except IntegrityError:  # a concurrent sign-up took the address first
            existing = User.objects.get(email=email)
    with transaction.atomic():
        _send_account_exists(user=existing)
    return None
