"""Build outbox emails: an HTML and a text part from one shared context."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from events.ics import session_calendar
from events.models import Notification

# Kinds whose message carries the session's calendar file.
WITH_CALENDAR = {
    Notification.Kind.CONFIRMATION,
    Notification.Kind.PROMOTED,
    Notification.Kind.SESSION_CHANGED,
    Notification.Kind.SESSION_CANCELLED,
    Notification.Kind.REMINDER,
}


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def email_context(notification: Notification) -> dict:
    """Everything the subject, text and HTML templates of any kind may use."""
    registration = notification.registration
    session = registration.session
    manage_url = absolute(registration.get_manage_url())
    return {
        "notification": notification,
        "kind": notification.kind,
        "variant": notification.variant,
        "payload": notification.payload,
        "registration": registration,
        "session": session,
        "training": session.training,
        "starts": session.local_starts_at,
        "ends": session.local_ends_at,
        "manage_url": manage_url,
        "session_url": absolute(session.get_absolute_url()),
        "site_url": settings.SITE_URL,
    }


def build_message(notification: Notification) -> EmailMultiAlternatives:
    context = email_context(notification)
    name = f"emails/{notification.kind}"
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{name}_subject.txt", context).strip()
        subject = " ".join(subject.split())
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.registration.email],
        headers={
            "List-Unsubscribe": f"<{context['manage_url']}>",
            "X-Notification-Id": str(notification.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    if notification.kind in WITH_CALENDAR:
        message.attach(
            "session.ics",
            session_calendar(notification.registration.session, manage_url=context["manage_url"]),
            "text/calendar",
        )
    return message
