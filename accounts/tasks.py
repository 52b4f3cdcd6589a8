"""Account emails (verification, password reset), sent from the worker."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    # Up to 30 min apart (below Redis' visibility timeout), for about two days: a
    # relay down for a day loses no verification or reset link.
    retry_backoff_max=1800,
    retry_jitter=False,
    max_retries=110,
    acks_late=True,
)
def send_account_email(*, subject: str, body: str, to: str) -> None:
    """Send one already-rendered account email."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
