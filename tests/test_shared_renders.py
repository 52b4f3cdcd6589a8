"""A batch's shared render (SharedRenders) sends every recipient what a render of their own sends.

SharedRenders renders each group's templates once with stand-ins and splices each
recipient's values in. Its contract with the templates is a rule in a comment, so this
file checks the outcome instead, over every kind sent to a registrant: batch output
equals the email built alone, byte for byte (subject, text, HTML), whatever recipient
comes first and whatever personal value is empty.
"""

import copy
import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from events.documents.emails import SharedRenders, build_message
from events.models import Notification
from events.models.notifications import ACCOUNT_KINDS
from tests.factories import (
    CertificateFactory,
    NotificationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainingFactory,
    build_questionnaire,
)

pytestmark = pytest.mark.django_db

# Names that escape differently in HTML and text, an empty one, one spaced oddly, a
# short and a long one (a branch on length), one that looks like a stand-in, and
# template syntax that must print as typed.
NAMES = [
    "O'Brien & <Sons>",
    "",
    'Ann  "Lee"',
    "Bo",
    "José Müller-Øverås de la Fuente y Castañeda",
    "\ue000xX0&\ue001 Nguyen",
    "{{ manage_url }} %s",
    "Ольга",
]
LANGUAGES = ["en", "es", "es", "en"]
# Unknown, the session's own zone (no line of its own), two others (one a half hour off).
ZONES = ["", "America/Chicago", "America/Los_Angeles", "Asia/Kolkata", ""]
# Waiting and cancelled registrants get no check-in code and no pre-check link.
STATUSES = [{}, {"waitlisted": True}, {"cancelled": True}]
# Only those who attended get the post-evaluation link.
ATTENDED = [True, True, False]

SESSIONS = {
    "in person, upcoming": {"online_url": ""},
    "online only, upcoming": {
        "venue": "",
        "address": "",
        "online_url": "https://meet.example.org/abc",
    },
    "hybrid, ended": {
        "online_url": "https://meet.example.org/abc",
        "starts_at": timezone.now() - timedelta(hours=5),
    },
}


def _registrants(session) -> list:
    """Eight registrants of one session; each list above cycles at its own length, so
    every value meets several of every other."""
    registrants = []
    for index, name in enumerate(NAMES):
        registration = RegistrationFactory(
            session=session,
            full_name=name,
            language=LANGUAGES[index % len(LANGUAGES)],
            timezone=ZONES[index % len(ZONES)],
            attended=ATTENDED[index % len(ATTENDED)],
            **STATUSES[index % len(STATUSES)],
        )
        if index % 2:  # a certificate email with its verification code, and one without
            CertificateFactory(registration=registration)
        registrants.append(registration)
    return registrants


def _texts(message) -> tuple[str, str, str]:
    [(html, _mime)] = message.alternatives
    return message.subject, message.body, html


def _batches_differ_from_alone(kind: str, session) -> list[str]:
    """Build the session's emails of one kind in a batch once with each registrant first,
    and list where an email differs from the one built alone."""
    rows = [
        NotificationFactory(registration=registration, kind=kind, variant="1d")
        for registration in _registrants(session)
    ]
    alone = {row.pk: _texts(build_message(copy.copy(row))) for row in rows}
    differences = []
    for first in range(len(rows)):
        renders = SharedRenders()
        for row in itertools.chain(rows[first:], rows[:first]):
            if _texts(build_message(row, renders=renders)) != alone[row.pk]:
                differences.append(f"{row.registration.full_name!r} after {first} first")
    return differences


# Account emails (to a user, not a registrant) are built apart and never shared.
REGISTRANT_KINDS = [kind for kind in Notification.Kind.values if kind not in ACCOUNT_KINDS]


@pytest.mark.parametrize("kind", REGISTRANT_KINDS)
@pytest.mark.parametrize("setting", SESSIONS)
def test_every_email_in_a_batch_is_byte_for_byte_the_email_built_alone(kind, setting):
    training = TrainingFactory()
    build_questionnaire(training)  # pre-check and post-evaluation links
    session = SessionFactory(
        training=training, what_to_bring="ID & a pen <please>", **SESSIONS[setting]
    )
    assert _batches_differ_from_alone(kind, session) == []


def test_a_template_that_branches_on_a_name_is_caught_by_this_comparison(settings, tmp_path):
    # The control: the hole the contract warns of (a branch the first recipient and the
    # stand-in answer alike), which the shared render itself does not catch.
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "reminder.html").write_text(
        '{% extends "emails/base.html" %}{% block body %}'
        "{% if registration.full_name|length > 6 %}<p>long name</p>{% endif %}"
        "{% endblock %}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    assert _batches_differ_from_alone("reminder", SessionFactory()) != []
