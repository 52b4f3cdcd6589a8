"""Account writes: sign-up and email verification. Their emails go through the outbox."""

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from events.models import Notification
from events.models.addresses import normalize_email_address, read_address_proof
from events.services.notifications import queue_account_email


def send_email_verification(*, user: User) -> User:
    """Email a signed link that proves the user owns their address (through the outbox,
    in the visitor's language; the link is signed when the email is built)."""
    queue_account_email(
        user=user, kind=Notification.Kind.VERIFY_EMAIL, language=translation.get_language()
    )
    return user


def verify_email(*, token: str) -> User | None:
    """Mark the address verified; None for a bad, expired or outdated link."""
    proof = read_address_proof(token)
    if proof is None:
        return None
    user_id, email = proof
    user = User.objects.filter(pk=user_id, email=email).first()
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
    queue_account_email(
        user=user, kind=Notification.Kind.ACCOUNT_EXISTS, language=translation.get_language()
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
