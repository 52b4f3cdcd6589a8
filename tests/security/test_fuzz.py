"""Hostile input to every public form: always a page or a form error, never a 500 or raw HTML.

Hypothesis posts unicode, control characters, very long strings, SQL and HTML
fragments and wrong types (lists, numbers, missing fields) through the test client.
Each HTML fragment is unique to its example, so finding it verbatim in any page
(rather than as &lt;...) proves a stored value was rendered unescaped.
"""

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import Registration, Response
from events.selectors.evaluations import evaluation_token
from events.services import evaluations as evaluation_service
from tests.factories import (
    DoorOpenSessionFactory,
    OrganizerFactory,
    RegistrationFactory,
    SessionFactory,
    build_questionnaire,
)
from tests.security.lengths import email_address

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Markers that must never appear unescaped in a page.
RAW_MARKERS = re.compile(r'<i data-fuzz=|<script>alert\(|<img src=x onerror|" onmouseover="alert')

HOSTILE = st.sampled_from(
    [
        "' OR '1'='1' --",
        "'; DROP TABLE events_registration; --",
        "1; SELECT pg_sleep(5)",
        '" onmouseover="alert(1)',
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "{{ request.META }}{% debug %}",
        "%s%s%s%n",
        "../../../../etc/passwd",
        "\x00",
        "a\x00b",
        "\r\nBcc: victim@example.org",
        "\u202egnp.exe",
        "\ufeff\u200b\u00a0",
        "𝕿𝖗𝖆𝖎𝖓𝖎𝖓𝖌" * 40,
        "Ünïcødé 名前 اسم",
        "",
        " ",
    ]
)
HTML_MARKER = st.text(alphabet="0123456789abcdef", min_size=8, max_size=8).map(
    lambda h: f'<i data-fuzz="{h}">x</i>'
)
TEXT = st.one_of(
    HOSTILE,
    HTML_MARKER,
    st.text(max_size=200),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Zs", "Po", "Sm"]), max_size=50),
    st.text(min_size=2000, max_size=5000),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
# Wrong types: a field sent twice, or as a number.
VALUE = st.one_of(TEXT, TEXT, TEXT, st.lists(TEXT, min_size=2, max_size=3), st.integers())


def form(fields: list[str]):
    """A form body: each field missing, or any hostile value; plus a stray field."""
    return st.fixed_dictionaries(
        {},
        optional={**dict.fromkeys(fields, VALUE), "unexpected[]": VALUE},
    )


def _ok(response) -> str:
    assert response.status_code < 500, response.status_code
    body = response.content.decode("utf-8", errors="replace")
    # JSON answers are data, not markup; the door page's script inserts them as text.
    if response.get("Content-Type", "").startswith("text/html"):
        assert not RAW_MARKERS.search(body), RAW_MARKERS.search(body).group(0)
    return body


def test_registration_form_survives_hostile_input(client, sector, _fast_passwords):
    session = SessionFactory(capacity=3)
    organizer = OrganizerFactory(is_superuser=True)
    url = session.get_absolute_url()
    fields = ["full_name", "email", "organization", "sector", "job_title", "accommodations"]

    @FUZZ
    @given(data=form([*fields, "consent"]), valid_base=st.booleans())
    def post(data, valid_base):
        if valid_base:
            # Keep the form valid but for the hostile fields, so values get stored.
            base = {"email": "fuzz@example.org", "sector": sector.pk, "consent": "on"}
            data = {**base, **{k: v for k, v in data.items() if k not in ("sector", "consent")}}
        _ok(client.post(url, data))

    post()
    # Everything stored is shown back: on the manage pages, the door page and the roster.
    _ok(client.get(url))
    for registration in Registration.objects.filter(session=session):
        _ok(client.get(registration.get_manage_url()))
    staff = Client()
    staff.force_login(organizer)
    _ok(staff.get(reverse("events:organize_checkin", args=[session.pk])))
    _ok(staff.get(reverse("admin:events_registration_changelist")))
    for registration in Registration.objects.filter(session=session)[:5]:
        _ok(staff.get(reverse("admin:events_registration_change", args=[registration.pk])))


def test_signup_form_survives_hostile_input(client, _fast_passwords):
    url = reverse("accounts:signup")

    @FUZZ
    @given(data=form(["full_name", "email", "organization", "default_sector", "job_title"]))
    def post(data):
        data = {**data, "password1": "a-Long-passphrase-42", "password2": "a-Long-passphrase-42"}
        _ok(Client().post(url, data))

    post()


def test_both_login_forms_survive_hostile_input(client, _fast_passwords):
    logins = [reverse("accounts:login"), reverse("admin:login")]

    # Half the posts name an address well formed but for its length, around the 254
    # characters the forms take and the 255 the lockout's column holds; hypothesis
    # would otherwise draw it rarely among the many kinds of hostile text.
    @FUZZ
    @given(
        long_address=st.booleans(),
        address=st.integers(min_value=240, max_value=330).map(email_address),
        hostile=VALUE,
        password=st.one_of(st.just("wrong-password"), VALUE),
        url=st.sampled_from(logins),
    )
    def post(long_address, address, hostile, password, url):
        username = address if long_address else hostile
        _ok(client.post(url, {"username": username, "password": password}))

    post()


def test_manage_forms_survive_hostile_input(client):
    registration = RegistrationFactory()
    token = registration.manage_token

    @FUZZ
    @given(data=form(["reminders", "confirm", "email"]), bogus_token=TEXT)
    def post(data, bogus_token):
        _ok(client.post(reverse("events:manage_reminders", args=[token]), data))
        _ok(client.post(reverse("events:resend_manage_link"), data))
        _ok(client.get(f"/manage/{quote(bogus_token, safe='')}/"))
        if data.get("confirm") is None:
            # An unconfirmed erase must change nothing.
            _ok(client.post(reverse("events:privacy_erase", args=[token]), data))
        _ok(client.get(reverse("events:manage", args=[token])))

    post()
    registration.refresh_from_db()
    assert registration.anonymized_at is None


def test_manage_details_form_survives_hostile_input(client, sector):
    registration = RegistrationFactory(sector=sector)
    token = registration.manage_token
    url = reverse("events:manage_details", args=[token])
    fields = ["full_name", "organization", "sector", "job_title", "accommodations", "language"]
    organizer = OrganizerFactory(is_superuser=True)

    @FUZZ
    @given(data=form(fields), valid_base=st.booleans())
    def post(data, valid_base):
        if valid_base:
            # Valid but for the free text, so hostile values get stored and shown back.
            base = {"full_name": "Fuzz", "sector": sector.pk, "language": "en"}
            data = {**base, **{k: v for k, v in data.items() if k not in ("sector", "language")}}
        _ok(client.post(url, data))
        _ok(client.get(reverse("events:manage", args=[token])))

    post()
    staff = Client()
    staff.force_login(organizer)
    _ok(staff.get(reverse("admin:events_registration_change", args=[registration.pk])))
    _ok(staff.get(reverse("admin:events_auditentry_changelist")))


def test_certificate_lookup_survives_hostile_input(client):
    @FUZZ
    @given(code=TEXT, extra=form(["code"]))
    def lookup(code, extra):
        _ok(client.get(reverse("events:certificate_verify_lookup"), {"code": code, **extra}))
        # Built by hand: reverse() refuses what a real client may still send.
        _ok(client.get(f"/certificates/verify/{quote(code, safe='')}/"))

    lookup()


def test_checkin_forms_survive_hostile_input(_fast_passwords):
    # The door is open, so that hostile input reaches the check-in itself.
    session = DoorOpenSessionFactory()
    RegistrationFactory(session=session, full_name='<i data-fuzz="stored">x</i>')
    organizer = OrganizerFactory(is_superuser=True)
    staff = Client()
    staff.force_login(organizer)
    submit = reverse("events:organize_checkin_submit", args=[session.pk])
    page = reverse("events:organize_checkin", args=[session.pk])

    @FUZZ
    @given(data=form(["code", "registration", "q"]), query=TEXT, as_json=st.booleans())
    def post(data, query, as_json):
        headers = {"Accept": "application/json"} if as_json else {}
        _ok(staff.post(submit, data, headers=headers))
        _ok(staff.get(page, {"q": query}))

    post()


def test_walk_in_form_survives_hostile_input(_fast_passwords):
    # The door is open, so that hostile input reaches the check-in itself.
    session = DoorOpenSessionFactory(capacity=1)
    organizer = OrganizerFactory(is_superuser=True)
    staff = Client()
    staff.force_login(organizer)
    walk_in = reverse("events:organize_walk_in", args=[session.pk])

    @FUZZ
    @given(data=form(["full_name", "email", "organization", "sector", "consent", "reason"]))
    def post(data):
        _ok(staff.post(walk_in, data))

    post()


def test_checkin_sync_survives_hostile_uploads(_fast_passwords):
    # The door is open, so that hostile input reaches the check-in itself.
    session = DoorOpenSessionFactory()
    registration = RegistrationFactory(session=session)
    organizer = OrganizerFactory(is_superuser=True)
    staff = Client()
    staff.force_login(organizer)
    sync = reverse("events:organize_checkin_sync", args=[session.pk])
    # Items as a device sends them, with any field hostile, missing or of the wrong type.
    field = st.one_of(VALUE, st.none(), st.booleans(), st.dictionaries(TEXT, TEXT, max_size=2))
    item = st.fixed_dictionaries(
        {},
        optional={
            "nonce": st.one_of(st.uuids().map(str), field),
            "code": st.one_of(st.just(registration.checkin_code), field),
            "scanned_at": st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), field),
            "device": field,
        },
    )
    body = st.one_of(
        st.fixed_dictionaries({"items": st.lists(st.one_of(item, field), max_size=5)}),
        st.fixed_dictionaries({"items": field}),
        field,
    )

    @FUZZ
    @given(payload=body, raw=st.one_of(st.none(), TEXT))
    def upload(payload, raw):
        data = raw if raw is not None else json.dumps(payload)
        response = staff.post(sync, data, content_type="application/json")
        _ok(response)
        assert response["Content-Type"] == "application/json"

    upload()


def test_evaluation_form_survives_hostile_input(client):
    registration = RegistrationFactory()
    questionnaire, questions = build_questionnaire(registration.session.training)
    url = reverse("events:evaluate", args=[evaluation_token(registration, "pre"), "pre"])
    fields = [f"q{question.pk}" for question in questions.values()]

    @FUZZ
    @given(
        data=form([*fields, "questionnaire", "revision", "q999999"]),
        valid_base=st.booleans(),
        bogus_token=TEXT,
    )
    def post(data, valid_base, bogus_token):
        if valid_base:
            # Valid but for the free text, so hostile text gets stored and shown back.
            saved = Response.objects.filter(registration=registration).first()
            base = {
                "questionnaire": questionnaire.pk,
                "revision": evaluation_service.revision_of(saved),
                fields[0]: "3",
                fields[1]: questions["single"].choices.first().pk,
                fields[2]: questions["multiple"].choices.first().pk,
            }
            data = {**base, fields[3]: data.get(fields[3], "")}
        _ok(client.post(url, data))
        _ok(client.get(f"/evaluate/{quote(bogus_token, safe='')}/pre/"))
        _ok(client.get(url))

    post()
