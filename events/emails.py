"""Build outbox emails: an HTML and a text part from one shared context.

Every message also carries a List-Unsubscribe header pointing to the attendee's
manage page (where reminders can be switched off) and a Message-ID derived from the
outbox row, so the rare second delivery of one row (see services/notifications.py)
has the same Message-ID and mail clients can fold it into the first.
"""

import logging
from email.mime.image import MIMEImage
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from events.ics import session_calendar
from events.models import Notification, Registration
from events.qr import qr_png

logger = logging.getLogger(__name__)

# Kinds whose message carries the session's calendar file.
WITH_CALENDAR = {
    Notification.Kind.CONFIRMATION,
    Notification.Kind.PROMOTED,
    Notification.Kind.SESSION_CHANGED,
    Notification.Kind.SESSION_CANCELLED,
    Notification.Kind.REMINDER,
}
# Kinds that show the check-in QR code (to a confirmed attendee only).
WITH_CHECKIN = {
    Notification.Kind.CONFIRMATION,
    Notification.Kind.PROMOTED,
    Notification.Kind.SESSION_CHANGED,
    Notification.Kind.REMINDER,
}
QR_CID = "checkin-qr"


class OutboxEmail(EmailMultiAlternatives):
    """An email whose HTML part can show inline images (cid:) next to it.

    The MIME tree is mixed[alternative[text, related[html, images]], files], the
    layout mail clients expect: images stay inline and files stay attachments.
    """

    def __init__(self, *args, inline_images: list[tuple[str, bytes]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inline_images = inline_images or []

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not (self.inline_images and self.alternatives):
            return msg
        parts = msg.get_payload()
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding)
        related.attach(parts[-1])  # the HTML alternative, attached last
        for cid, png in self.inline_images:
            image = MIMEImage(png, _subtype="png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            related.attach(image)
        parts[-1] = related
        return msg


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def email_context(notification: Notification) -> dict:
    """Everything the subject, text and HTML templates of any kind may use."""
    registration = notification.registration
    session = registration.session
    manage_url = absolute(registration.get_manage_url())
    show_checkin = (
        notification.kind in WITH_CHECKIN and registration.status == Registration.Status.CONFIRMED
    )
    context = {
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
        "ics_url": absolute(reverse("events:manage_ics", args=[registration.manage_token])),
        "session_url": absolute(session.get_absolute_url()),
        "catalogue_url": absolute(reverse("events:catalogue")),
        "site_url": settings.SITE_URL,
        "checkin_code": registration.checkin_code if show_checkin else "",
        "qr_cid": QR_CID if show_checkin else "",
    }
    if notification.kind == Notification.Kind.CERTIFICATE:
        certificate = getattr(registration, "certificate", None)
        context["certificate"] = certificate
        context["certificate_url"] = absolute(
            reverse("events:manage_certificate", args=[registration.manage_token])
        )
        if certificate is not None:
            context["verify_url"] = absolute(
                reverse("events:certificate_verify", args=[certificate.display_code])
            )
    return context


def _message_id(notification: Notification) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox-{notification.pk}-{notification.kind}@{host}>"


def build_message(notification: Notification, *, connection=None) -> OutboxEmail:
    """The ready-to-send email for an outbox row (subject, text, HTML, attachments)."""
    context = email_context(notification)
    registration = notification.registration
    name = f"emails/{notification.kind}"
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{name}_subject.txt", context).strip()
        subject = " ".join(subject.split())
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
        # The shared file (no manage link in it; the email body carries the link).
        calendar = (
            session_calendar(registration.session) if notification.kind in WITH_CALENDAR else None
        )
    inline = [(QR_CID, qr_png(registration.checkin_code))] if context["qr_cid"] else []
    message = OutboxEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[registration.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{context['manage_url']}>",
            "Auto-Submitted": "auto-generated",
            "Message-ID": _message_id(notification),
            "X-Notification-Id": str(notification.pk),
        },
        inline_images=inline,
    )
    message.attach_alternative(html, "text/html")
    if calendar is not None:
        message.attach("session.ics", calendar, "text/calendar")
    certificate = context.get("certificate")
    if certificate is not None and certificate.pdf:
        with certificate.pdf.open("rb") as pdf:
            message.attach(
                f"certificate-{certificate.display_code}.pdf", pdf.read(), "application/pdf"
            )
    return message
