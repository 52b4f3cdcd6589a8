"""Account emails (verification, password reset), sent from the worker."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def send_account_email(*, subject: str, body: str, to: str) -> None:
    """Send one already-rendered account email."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
