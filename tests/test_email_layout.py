"""One layout for every email: the site's mark, a button for each kind's main action, links
that read as words (the text part keeps the addresses), styles inlined for mail clients
with dark-mode rules kept, and the text part saying everything the HTML says."""

import email
import re
from email import policy
from html.parser import HTMLParser

import pytest

from events.documents.email_html import MARK_CID, mark_png
from events.documents.emails import build_message
from events.models import Notification
from events.models.notifications import ACCOUNT_KINDS
from events.services.certificates import issue_certificate
from events.services.notifications import queue_account_email
from tests.factories import (
    AttendedRegistrationFactory,
    NotificationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    build_questionnaire,
)

pytestmark = pytest.mark.django_db

REGISTRANT_KINDS = sorted(set(Notification.Kind.values) - set(ACCOUNT_KINDS))
WORD = re.compile(r"\w+")


class _Reader(HTMLParser):
    """What a reader sees in the body: the words outside links, the links with their
    words, and the primary buttons' addresses."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.buttons: list[str] = []
        self._hidden = 0
        self._link: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("head", "style", "title"):
            self._hidden += 1
        elif tag == "a":
            self._link = [attributes.get("href", ""), ""]
            # A primary button: white words on the colour (a secondary one is outlined).
            button = "button-link" in attributes.get("class", "")
            if button and "color: #ffffff" in attributes.get("style", ""):
                self.buttons.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag in ("head", "style", "title"):
            self._hidden -= 1
        elif tag == "a" and self._link is not None:
            self.links.append(tuple(self._link))
            self._link = None

    def handle_data(self, data):
        if self._hidden:
            return
        if self._link is not None:
            self._link[1] += data
        else:
            self.words.extend(WORD.findall(data.lower()))


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def parts(message) -> tuple[str, str]:
    mail = parsed(message)
    return (
        mail.get_body(preferencelist=("plain",)).get_content(),
        mail.get_body(preferencelist=("html",)).get_content(),
    )


def every_registrant_email(language: str):
    """Each kind for a hybrid session (a door and an online link), with an evaluation."""
    session = SessionFactory(online_url="https://meet.example.org/abc")
    build_questionnaire(session.training)
    registration = RegistrationFactory(session=session, language=language)
    for kind in REGISTRANT_KINDS:
        yield kind, build_message(NotificationFactory(registration=registration, kind=kind))


def every_account_email(language: str):
    user = UserFactory(full_name="Ana Ruiz")
    for kind in ACCOUNT_KINDS:
        notification = queue_account_email(user=user, kind=kind, language=language)
        yield kind, build_message(notification)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("emails", [every_registrant_email, every_account_email])
def test_the_text_part_says_everything_the_html_part_says(language, emails):
    for kind, message in emails(language):
        text, html = parts(message)
        shown = read(html)
        text_words = set(WORD.findall(text.lower()))
        assert not set(shown.words) - text_words, (kind, set(shown.words) - text_words)
        for href, words in shown.links:
            if href.startswith(("tel:", "sms:")):
                assert words in text, (kind, words)
            elif href:
                assert href in text, (kind, href)


@pytest.mark.parametrize("emails", [every_registrant_email, every_account_email])
def test_html_links_read_as_words_never_as_raw_addresses(emails):
    for kind, message in emails("en"):
        shown = read(parts(message)[1])
        assert shown.links, kind
        for _href, words in shown.links:
            assert "://" not in words and words.strip(), (kind, words)
        assert not any("http" in word for word in shown.words), kind


def test_each_kind_has_a_primary_button_for_its_main_action():
    session = SessionFactory(online_url="https://meet.example.org/abc")
    build_questionnaire(session.training)
    registration = RegistrationFactory(session=session)
    attended = AttendedRegistrationFactory()
    build_questionnaire(attended.session.training)
    certificate = issue_certificate(registration_id=attended.pk)

    def first_button(notification) -> str:
        return read(parts(build_message(notification))[1]).buttons[0]

    def made(kind, *, to=registration):
        return NotificationFactory(registration=to, kind=kind)

    manage = registration.get_manage_url()
    assert first_button(made("confirmation")).endswith(manage)
    assert "/join/" in first_button(made("reminder"))
    assert first_button(made("session_cancelled")).endswith("/sessions/")
    assert "/evaluate/" in first_button(made("evaluation", to=attended))
    assert first_button(certificate.registration.notifications.get(kind="certificate")).endswith(
        "/certificate.pdf"
    )
    user = UserFactory()
    for kind, path in (("verify_email", "/verify/"), ("password_reset", "/reset/")):
        assert path in first_button(queue_account_email(user=user, kind=kind, language="en"))


@pytest.mark.parametrize("emails", [every_registrant_email, every_account_email])
def test_every_email_shows_the_sites_mark_attached_inline_and_holds_in_dark_mode(emails):
    for kind, message in emails("en"):
        mail = parsed(message)
        html = mail.get_body(preferencelist=("html",)).get_content()
        assert f'src="cid:{MARK_CID}"' in html, kind
        related = next(p for p in mail.walk() if p.get_content_type() == "multipart/related")
        mark = next(p for p in related.iter_parts() if p["Content-ID"] == f"<{MARK_CID}>")
        assert mark.get_content() == mark_png() and mark.get_content_disposition() == "inline"
        assert '<meta name="color-scheme" content="light dark">' in html, kind
        # The dark-mode rules stay in <style>; everything else is written on the elements.
        style = re.search(r"<style>(.*?)</style>", html, re.S)[1]
        assert style.strip().startswith("@media (prefers-color-scheme: dark)"), kind
        assert re.search(r'<a class="button-link" href="[^"]*" style="[^"]*color: #ffffff', html)
