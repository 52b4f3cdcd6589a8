"""Build outbox emails: an HTML and a text part from one shared context.

Every message also carries a one-click List-Unsubscribe header (RFC 8058: a POST
to it switches the attendee's reminders off; opening it leads to the manage page)
and a Message-ID derived from the
outbox row, so the rare second delivery of one row (see services/notifications.py)
has the same Message-ID and mail clients can fold it into the first.

A batch renders each template once per session (SharedRenders) and fills in each
recipient's own values, which keeps rendering off the per-email cost.

What this asks of the outbox templates (templates/emails/<kind>.html, .txt and
_subject.txt, and the base.html and base.txt they extend; the base templates repeat
it in a comment):

- Seven values are the recipient's own, and a shared render stands in for them:
  `registration.full_name`, `manage_url`, `ics_url`, `checkin_code`, `join_url`,
  `own_time` and `evaluation_url`. Print them
  as they are: `{{ manage_url }}`, `href="{{ manage_url }}"`, or
  `{% blocktranslate with name=registration.full_name %}`. Testing whether one is
  empty (`{% if checkin_code %}`, `{% if join_url %}`) is fine too: emptiness is part
  of the group key.
- Everything else in session_context() is shared by the group (session, training,
  starts, ends, kind, variant, payload, qr_cid and the site's links) and may be used
  freely.
- Do not put recipient-specific logic in these templates: no other field of
  `registration` or `notification` (`registration.organization`, `{{ registration }}`),
  no filter on one of the seven values (`|upper`, `|truncatechars`, `|length`), and no
  `{% if %}` that compares or measures one of them. Each such template still sends
  correct mail in the cases the checks catch, but renders in full, once per
  recipient, and logs that fallback at INFO ("... render one by one").
- The checks are a safety net with holes: a read of another field, a filter that
  changes a stand-in, or a first email of the group that differs from its full
  render falls back. An `{% if %}` on a value (`registration.full_name|length > 6`)
  that the first recipient and the stand-in happen to answer alike is not caught,
  and the rest of the group gets that answer. So keep such logic out, or put the
  value it needs into session_context() or recipient_context() as a key of its own
  (a new key in recipient_context() makes the kind render in full, as certificate
  emails do).
- The project's own templates are held to it by tests/test_shared_renders.py: every
  kind, built in a batch with each registrant first in turn and with every personal
  value varied (empty ones included), must equal each email built alone, byte for
  byte. A template change that breaks the contract fails there.
"""

import json
import logging
import re
import secrets
from datetime import datetime
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape

from events.documents.account_emails import render_account_texts
from events.documents.email_html import MARK_CID, inline_css, mark_png
from events.documents.ics import session_calendar
from events.documents.qr import qr_png
from events.models import Notification, Registration
from events.models.evaluations import Phase
from events.selectors import evaluations as evaluation_selectors

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
# Kinds that link to an evaluation, and the phase they link to.
EVALUATION_LINKS = {
    Notification.Kind.CONFIRMATION: Phase.PRE,
    Notification.Kind.PROMOTED: Phase.PRE,
    # A walk-in who arrives before the start can still take the pre-check.
    Notification.Kind.WALK_IN: Phase.PRE,
    Notification.Kind.EVALUATION: Phase.POST,
    Notification.Kind.EVALUATION_REMINDER: Phase.POST,
}


class OutboxEmail(EmailMultiAlternatives):
    """An email whose HTML part shows inline images (cid:) kept next to it.

    The MIME tree is mixed[alternative[text, related[html, images]], files], the
    layout mail clients expect: an image in multipart/related is part of the HTML,
    while one in multipart/mixed is also listed (or shown again) as an attachment.
    Django builds mixed[alternative[text, html], files]; message() then puts the
    HTML and its images into a related part, through the email package's public
    Message API only.
    """

    def __init__(self, *args, inline_images: list[tuple[str, bytes]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inline_images = inline_images or []

    def message(self):
        msg = super().message()
        if self.inline_images and self.alternatives:
            alternative = next(
                part for part in msg.walk() if part.get_content_type() == "multipart/alternative"
            )
            *others, html = alternative.get_payload()  # the HTML alternative is attached last
            related = MIMEMultipart(
                "related", _subparts=[html, *map(_inline_image, self.inline_images)]
            )
            alternative.set_payload([*others, related])
        # Left unset, the generator picks each boundary by compiling a fresh regex and
        # searching the whole part for it (about a third of the cost of serializing).
        # 128 random bits cannot occur in the content by chance, nor be guessed by
        # someone who types into a name or a session field.
        for part in msg.walk():
            if part.is_multipart():
                part.set_boundary(f"=_{secrets.token_hex(16)}")
        return msg


def _inline_image(image: tuple[str, bytes]) -> MIMEImage:
    """A PNG the HTML shows as <img src="cid:...">."""
    cid, png = image
    part = MIMEImage(png, _subtype="png")
    part.add_header("Content-ID", f"<{cid}>")
    part.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
    return part


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _shows_checkin(notification: Notification) -> bool:
    """A check-in code to show at the door: only for a confirmed place at a session with
    a venue (an online-only session has no door)."""
    registration = notification.registration
    return (
        notification.kind in WITH_CHECKIN
        and registration.status == Registration.Status.CONFIRMED
        and bool(registration.session.venue)
    )


def _own_time(registration: Registration) -> str:
    """An online session's start where the registrant is, when that is another zone.

    "" for a session with a venue (people come to its zone), or when the registrant's zone
    is unknown or the session's own.
    """
    session = registration.session
    zone = registration.timezone
    if not session.online_url or session.venue or not zone or zone == session.timezone:
        return ""
    local = session.starts_at.astimezone(ZoneInfo(zone))
    with translation.override(Registration.language_for(registration.language)):
        when = f"{date_format(local, 'LONG_DATE_FORMAT')}, {date_format(local, 'CLOCK_FORMAT')}"
    return f"{when} ({zone.replace('_', ' ')})"


def session_context(notification: Notification) -> dict:
    """The part of the context that every recipient of this kind of a session shares.

    The subject, text and HTML templates of every kind get this and
    recipient_context() together: one context builder, in two halves so that a
    batch can render the shared half once (SharedRenders).
    """
    session = notification.registration.session
    return {
        "kind": notification.kind,
        "variant": notification.variant,
        "payload": notification.payload,
        "session": session,
        "training": session.training,
        "starts": session.local_starts_at,
        "ends": session.local_ends_at,
        "session_url": absolute(session.get_absolute_url()),
        "catalog_url": absolute(reverse("events:catalog")),
        "site_url": settings.SITE_URL,
        "qr_cid": QR_CID if _shows_checkin(notification) else "",
        "mark_cid": MARK_CID,
        "offer_expires": _offer_expires(notification, session),
    }


def _offer_expires(notification: Notification, session):
    """A seat offer's deadline (from the row's payload) in the session's time zone."""
    deadline = (notification.payload or {}).get("expires_at")
    if not deadline:
        return None
    return do_timezone(datetime.fromisoformat(deadline), session.tzinfo)


def recipient_context(notification: Notification) -> dict:
    """The part of the context that is the recipient's own: their row, links and codes."""
    registration = notification.registration
    context = {
        "notification": notification,
        "registration": registration,
        "manage_url": absolute(registration.get_manage_url()),
        "ics_url": absolute(reverse("events:manage_ics", args=[registration.manage_token])),
        "checkin_code": registration.checkin_code if _shows_checkin(notification) else "",
        # An online session is joined through the attendee's own link (manage_join),
        # which notes the join as evidence for the organizer.
        "join_url": absolute(registration.get_join_url())
        if registration.session.online_url
        else "",
        "own_time": _own_time(registration),
        "evaluation_url": _evaluation_url(notification),
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


def _evaluation_url(notification: Notification) -> str:
    """The recipient's evaluation link for kinds that carry one, while it is open; else ""."""
    phase = EVALUATION_LINKS.get(notification.kind)
    registration = notification.registration
    if phase is None or evaluation_selectors.closed_reason(registration, phase):
        return ""
    if not evaluation_selectors.has_questions(registration.session.training_id, phase):
        return ""
    token = evaluation_selectors.evaluation_token(registration, phase)
    return absolute(reverse("events:evaluate", args=[token, phase]))


def recipient_language(notification: Notification) -> str:
    """The language the registrant registered in: all their mail is written in it."""
    return Registration.language_for(notification.registration.language)


def render_texts(notification: Notification, context: dict) -> tuple[str, str, str]:
    """The subject (one line), the text body and the HTML body, in the recipient's language."""
    name = f"emails/{notification.kind}"
    with translation.override(recipient_language(notification)):
        subject = render_to_string(f"{name}_subject.txt", context)
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    return " ".join(subject.split()), text, html


# A stand-in value: a private-use character, "xX" (which case filters change), its
# index, "&" (which tells an escaped place from a raw one once rendered), another
# private-use character.
_MARK = re.compile("\ue000xX(\\d+)(&amp;|&)\ue001")
_MARK_CHARS = re.compile("[\ue000\ue001]")
# The recipient's values a shared render stands in for; the registration's full_name is
# the first. Any other recipient value a template reads makes the group render in full.
_PERSONAL_KEYS = (
    "manage_url",
    "ics_url",
    "checkin_code",
    "join_url",
    "own_time",
    "evaluation_url",
)
_MISSING = object()


class _PersonalValueUsed(Exception):
    """A template read a per-recipient value that no stand-in covers."""


class _StandIn:
    """The recipient's row in a shared render: only the fields given exist."""

    def __init__(self, **fields: str) -> None:
        self.__dict__.update(fields)

    def __getattr__(self, name: str):
        # Not AttributeError: the template engine would swallow that and render "".
        raise _PersonalValueUsed(name)

    def __str__(self) -> str:
        raise _PersonalValueUsed("the object printed whole")


def _personal_values(context: dict) -> list[str]:
    return [context["registration"].full_name, *(context[key] for key in _PERSONAL_KEYS)]


class _SharedTexts:
    """Rendered subject, text and HTML split at the stand-ins, ready to be filled in."""

    def __init__(self, rendered: tuple[str, str, str]) -> None:
        self.pieces = []
        for output in rendered:
            split = _MARK.split(output)
            if any(_MARK_CHARS.search(literal) for literal in split[::3]):
                # A filter changed a stand-in (|upper, |truncatechars...): not fillable.
                # Those that leave it as it is are caught by the check in _shared().
                raise _PersonalValueUsed("a filter on a personal value")
            self.pieces.append(
                [
                    piece if index % 3 == 0 else (int(piece), split[index + 1] == "&amp;")
                    for index, piece in enumerate(split)
                    if index % 3 != 2
                ]
            )

    def fill(self, context: dict) -> tuple[str, str, str]:
        raw = _personal_values(context)
        escaped = [escape(value) for value in raw]
        subject, text, html = (
            "".join(
                piece
                if isinstance(piece, str)
                else (escaped[piece[0]] if piece[1] else raw[piece[0]])
                for piece in pieces
            )
            for pieces in self.pieces
        )
        return " ".join(subject.split()), text, html


class SharedRenders:
    """Render each kind's templates once per session in a batch, then fill in each recipient.

    Django template rendering costs more than the rest of building an email, and a
    batch sends the same words to many registrants of one session. So each group
    (kind, variant, language, payload, session, which personal values are empty) is rendered
    once with a marked stand-in for every personal value: the registrant's name,
    manage and calendar links and check-in code, and each email is that output with
    the recipient's values put in, HTML-escaped where the template escaped. A group
    renders in full whenever that could differ from rendering in full: a template
    reads any other per-recipient value or filters a personal one, or the filled-in
    first email of the group differs from its full render.
    """

    def __init__(self) -> None:
        # Keyed by session pk: one instance serves rows loaded together (one batch).
        self._groups: dict[tuple, _SharedTexts | None] = {}

    def render(
        self, notification: Notification, *, shared: dict, own: dict
    ) -> tuple[str, str, str]:
        """The subject, text and HTML of one email, from its shared and its own context."""
        context = {**shared, **own}
        key = self._key(notification, shared=shared, own=own)
        group = self._groups.get(key, _MISSING) if key is not None else None
        if isinstance(group, _SharedTexts):
            return group.fill(own)
        full = render_texts(notification, context)
        if group is _MISSING:
            self._groups[key] = self._shared(notification, shared=shared, own=own, expected=full)
        return full

    @staticmethod
    def _key(notification: Notification, *, shared: dict, own: dict) -> tuple | None:
        if own.keys() != {"notification", "registration", *_PERSONAL_KEYS}:
            return None  # this kind shows more of the recipient's own (a certificate)
        session = shared["session"]
        return (
            notification.kind,
            notification.variant,
            # A group never mixes languages: each renders its own words and dates.
            recipient_language(notification),
            json.dumps(notification.payload, sort_keys=True, default=str),
            session.pk,
            session.schedule_version,
            shared["qr_cid"],
            tuple(bool(value) for value in _personal_values(own)),
        )

    @staticmethod
    def _shared(notification, *, shared: dict, own: dict, expected) -> _SharedTexts | None:
        marks = [f"\ue000xX{index}&\ue001" for index in range(1 + len(_PERSONAL_KEYS))]
        values = _personal_values(own)
        marks = [mark if value else "" for mark, value in zip(marks, values, strict=True)]
        stand_in = {
            **shared,
            "notification": _StandIn(),
            "registration": _StandIn(full_name=marks[0]),
            **dict(zip(_PERSONAL_KEYS, marks[1:], strict=True)),
        }
        try:
            texts = _SharedTexts(render_texts(notification, stand_in))
        except _PersonalValueUsed as used:
            # INFO: a template that breaks the contract above costs every batch its
            # shared render, which an operator should be able to see.
            logger.info(
                "%s emails of session %s render one by one (no stand-in for %s)",
                notification.kind,
                shared["session"].pk,
                used,
            )
            return None
        except Exception:  # a filter choking on a stand-in; the full render worked
            logger.warning("%s emails render one by one", notification.kind, exc_info=True)
            return None
        if texts.fill(own) != expected:
            logger.warning("%s emails render one by one: shared render differs", notification.kind)
            return None
        return texts


def _message_id(notification: Notification) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox-{notification.pk}-{notification.kind}@{host}>"


def _account_message(notification: Notification, *, connection=None) -> OutboxEmail:
    """An account email: no session, no calendar and no unsubscribe link (it is what the
    person just asked for), the same Message-ID and Auto-Submitted as every email."""
    subject, text, html = render_account_texts(notification)
    message = OutboxEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
        connection=connection,
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": _message_id(notification),
            "X-Notification-Id": str(notification.pk),
        },
        inline_images=[(MARK_CID, mark_png())],
    )
    message.attach_alternative(inline_css(html), "text/html")
    return message


def build_message(
    notification: Notification, *, connection=None, renders: SharedRenders | None = None
) -> OutboxEmail:
    """The ready-to-send email for an outbox row (subject, text, HTML, attachments).

    A batch passes one SharedRenders for all its rows, so that each session's text is
    rendered once.
    """
    if notification.user_id is not None:
        return _account_message(notification, connection=connection)
    shared, own = session_context(notification), recipient_context(notification)
    context = {**shared, **own}
    registration = notification.registration
    if renders is None:
        subject, text, html = render_texts(notification, context)
    else:
        subject, text, html = renders.render(notification, shared=shared, own=own)
    with translation.override(recipient_language(notification)):
        # The shared file (no manage link in it; the email body carries the link), but
        # for an online session the recipient's own, with their join link: joining from
        # the calendar must note the join as the link in the body does.
        calendar = (
            session_calendar(registration.session, join_url=context["join_url"])
            if notification.kind in WITH_CALENDAR
            else None
        )
    inline = [(MARK_CID, mark_png())]
    if context["qr_cid"]:
        inline.append((QR_CID, qr_png(registration.checkin_code)))
    unsubscribe_url = absolute(
        reverse("events:manage_unsubscribe", args=[registration.manage_token])
    )
    message = OutboxEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[registration.email],
        connection=connection,
        headers={
            # RFC 8058 one-click: a provider's POST to this address switches reminders off.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Message-ID": _message_id(notification),
            "X-Notification-Id": str(notification.pk),
        },
        inline_images=inline,
    )
    message.attach_alternative(inline_css(html), "text/html")
    if calendar is not None:
        message.attach("session.ics", calendar, "text/calendar")
    certificate = context.get("certificate")
    if certificate is not None and certificate.pdf:
        with certificate.pdf.open("rb") as pdf:
            message.attach(
                f"certificate-{certificate.display_code}.pdf", pdf.read(), "application/pdf"
            )
    return message
