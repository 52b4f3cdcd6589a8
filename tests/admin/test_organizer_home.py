"""The organizer home at the top of the admin index: figures, scoping, needs attention,
links that lead to the filtered lists, and a query count that does not grow."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Completion, Notification, Registration
from events.selectors import organizer_home as home
from tests.factories import (
    CertificateFactory,
    NotificationFactory,
    OrganizerFactory,
    QuestionnaireFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def _row(user, session):
    rows = [row for row in home.next_sessions(user) if row.session.pk == session.pk]
    return rows[0] if rows else None


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def _links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


@pytest.fixture
def busy_session(session_a):
    """Capacity 10: 4 confirmed (3 attended, 1 certificate, 2 post-evaluations),
    2 waitlisted, 1 cancelled (attended once, before cancelling: not counted)."""
    QuestionnaireFactory(training=session_a.training)
    people = [RegistrationFactory(session=session_a) for _ in range(4)]
    for person in people[:3]:
        person.attended = True
        person.checked_in_at = timezone.now()
        person.save(update_fields=["attended", "checked_in_at"])
    CertificateFactory(registration=people[0])
    Completion.objects.create(registration=people[0], phase="post")
    Completion.objects.create(registration=people[1], phase="post")
    # A pre-check from someone who did not attend is not a post-evaluation.
    Completion.objects.create(registration=people[3], phase="pre")
    RegistrationFactory(session=session_a, waitlisted=True)
    RegistrationFactory(session=session_a, waitlisted=True)
    RegistrationFactory(session=session_a, cancelled=True, attended=True)
    return session_a


def test_the_figures_of_a_session(busy_session, organizer_a):
    row = _row(organizer_a, busy_session)
    assert (row.confirmed, row.capacity, row.seats_left) == (4, 10, 6)
    assert row.waitlisted == 2
    assert row.attended == 3
    assert (row.certificates_issued, row.certificates_pending) == (1, 2)
    assert row.evaluations_completed == 2
    assert row.evaluation_percent == 67


def test_a_training_without_an_evaluation_shows_none(session_a, organizer_a):
    RegistrationFactory(session=session_a, attended=True)
    row = _row(organizer_a, session_a)
    assert row.evaluations_completed is None
    assert not row.has_evaluation
    assert row.evaluation_percent is None


def test_a_revoked_certificate_is_neither_issued_nor_pending(session_a, organizer_a):
    person = RegistrationFactory(session=session_a, attended=True)
    CertificateFactory(registration=person, revoked_at=timezone.now())
    row = _row(organizer_a, session_a)
    assert (row.certificates_issued, row.certificates_pending) == (0, 0)


def test_next_sessions_are_today_and_later_soonest_first_without_cancelled(organizer_a):
    now = timezone.now()
    later = SessionFactory(starts_at=now + timedelta(days=20))
    sooner = SessionFactory(starts_at=now + timedelta(days=2))
    past = SessionFactory(starts_at=now - timedelta(days=3))
    cancelled = SessionFactory(status="cancelled")
    for session in (later, sooner, past, cancelled):
        session.organizers.add(organizer_a)
    shown = [row.session.pk for row in home.next_sessions(organizer_a)]
    assert shown[:1] == [sooner.pk]
    assert later.pk in shown
    assert past.pk not in shown and cancelled.pk not in shown


def test_at_most_a_handful_of_sessions(organizer_a):
    for _ in range(home.NEXT_SESSIONS_SHOWN + 3):
        SessionFactory().organizers.add(organizer_a)
    assert len(home.next_sessions(organizer_a)) == home.NEXT_SESSIONS_SHOWN


def test_a_session_that_ended_earlier_today_still_shows():
    organizer = ScopedOrganizerFactory()
    now = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    morning = SessionFactory(starts_at=now - timedelta(hours=6), ends_at=now - timedelta(hours=3))
    yesterday = SessionFactory(
        starts_at=now - timedelta(days=1, hours=6), ends_at=now - timedelta(days=1, hours=3)
    )
    morning.organizers.add(organizer)
    yesterday.organizers.add(organizer)
    rows = home.next_sessions(organizer, now=now)
    assert [row.session.pk for row in rows] == [morning.pk]
    assert rows[0].is_today


# --- Scoping --------------------------------------------------------------------------


def test_an_organizer_sees_only_their_sessions_and_their_failed_emails(
    session_a, session_b, organizer_a, attendee_b
):
    NotificationFactory(registration=attendee_b, status=Notification.Status.FAILED)
    view = home.organizer_home(organizer_a)
    assert [row.session.pk for row in view.next_sessions] == [session_a.pk]
    assert view.failed_emails == []


def test_a_superuser_sees_every_session_and_failed_email(
    session_a, session_b, attendee_a, attendee_b
):
    NotificationFactory(registration=attendee_a, status=Notification.Status.FAILED)
    NotificationFactory(registration=attendee_b, status=Notification.Status.FAILED)
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    view = home.organizer_home(admin_user)
    assert {row.session.pk for row in view.next_sessions} == {session_a.pk, session_b.pk}
    assert {item.session.pk for item in view.failed_emails} == {session_a.pk, session_b.pk}
    assert view.failed_email_count == 2


def test_staff_without_sessions_see_nothing_and_residents_no_home(client, session_a):
    staff = OrganizerFactory()
    assert home.organizer_home(staff).next_sessions == []
    client.force_login(ScopedOrganizerFactory())
    page = client.get(INDEX).content.decode()
    assert "No sessions today or later." in page
    assert session_a.training.title not in page


def test_the_page_of_organizer_a_does_not_name_session_b(client_a, session_a, attendee_b):
    NotificationFactory(registration=attendee_b, status=Notification.Status.FAILED)
    page = client_a.get(INDEX).content.decode()
    assert "Fargo" in page
    assert "Bismarck" not in page
    assert "failed email" not in page


# --- Needs attention ------------------------------------------------------------------


def test_failed_emails_appear_and_disappear(client_a, attendee_a):
    row = NotificationFactory(registration=attendee_a, status=Notification.Status.FAILED)
    section = _section(client_a.get(INDEX).content.decode(), "home-attention")
    assert "1 failed email" in section
    row.status = Notification.Status.SENT
    row.save(update_fields=["status"])
    section = _section(client_a.get(INDEX).content.decode(), "home-attention")
    assert "failed email" not in section
    assert "Nothing needs attention." in section


def test_a_missing_address_appears_and_disappears(client_a, session_a, organizer_a):
    session_a.address = ""
    session_a.save(update_fields=["address"])
    assert home.session_problems(organizer_a)[0].missing_place
    assert "No street address" in client_a.get(INDEX).content.decode()
    session_a.address = "207 4th St N"
    session_a.save(update_fields=["address"])
    assert home.session_problems(organizer_a) == []
    assert "No street address" not in client_a.get(INDEX).content.decode()


def test_an_online_session_needs_no_address(session_a, organizer_a):
    session_a.venue = session_a.address = ""
    session_a.online_url = "https://meet.example.org/x"
    session_a.save()
    assert home.session_problems(organizer_a) == []


def test_a_session_without_an_organizer_needs_attention_for_a_superuser(db):
    orphan = SessionFactory(city="Minot")
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    problems = home.session_problems(admin_user)
    assert [(p.session.pk, p.missing_organizer) for p in problems] == [(orphan.pk, True)]
    orphan.organizers.add(ScopedOrganizerFactory())
    assert home.session_problems(admin_user) == []


def test_a_full_session_with_a_long_waiting_list_needs_attention(session_a, organizer_a):
    for _ in range(session_a.capacity):
        RegistrationFactory(session=session_a)
    RegistrationFactory(session=session_a, waitlisted=True)
    assert home.session_problems(organizer_a) == []  # 1 of 10: not long
    for _ in range(2):
        RegistrationFactory(session=session_a, waitlisted=True)
    problems = home.session_problems(organizer_a)  # 3 of 10 >= 25 %
    assert [(p.long_waitlist, p.waitlisted) for p in problems] == [(True, 3)]
    Registration.objects.filter(session=session_a, status="waitlisted").update(status="cancelled")
    assert home.session_problems(organizer_a) == []


@pytest.mark.parametrize(
    ("capacity", "confirmed", "waitlisted", "long"),
    [
        (100, 100, 5, True),  # the absolute threshold
        (100, 100, 4, False),
        (10, 10, 3, True),  # 30 % of the capacity
        (20, 20, 4, False),  # 20 %
        (10, 9, 9, False),  # not full
        (4, 4, 0, False),
    ],
)
def test_the_long_waiting_list_threshold(capacity, confirmed, waitlisted, long):
    assert (
        home.is_long_waitlist(capacity=capacity, confirmed=confirmed, waitlisted=waitlisted) == long
    )


# --- Links ----------------------------------------------------------------------------


def test_every_figure_links_to_the_filtered_list_behind_it(client_a, busy_session):
    confirmed = Registration.objects.filter(session=busy_session, status="confirmed")
    first = confirmed.order_by("pk").first()
    NotificationFactory(registration=first, status=Notification.Status.FAILED)
    page = client_a.get(INDEX).content.decode()
    links = [
        link
        for link in _links(_section(page, "home-next") + _section(page, "home-attention"))
        if link.startswith(INDEX)
    ]
    assert len(links) >= 9
    for link in links:
        response = client_a.get(link)
        # An unknown filter makes the changelist redirect to ?e=1: every link is understood.
        assert response.status_code == 200, link

    roster = reverse("admin:events_registration_changelist")
    waiting = client_a.get(
        f"{roster}?session__id__exact={busy_session.pk}&status__exact=waitlisted"
    )
    assert len(waiting.context["cl"].result_list) == 2
    checked_in = client_a.get(
        f"{roster}?session__id__exact={busy_session.pk}&status__exact=confirmed&attended__exact=1"
    )
    assert len(checked_in.context["cl"].result_list) == 3
    outbox = client_a.get(
        reverse("admin:events_notification_changelist")
        + f"?status__exact=failed&session={busy_session.pk}"
    )
    assert [row.registration_id for row in outbox.context["cl"].result_list] == [first.pk]
    certificates = client_a.get(
        reverse("admin:events_certificate_changelist")
        + f"?session={busy_session.pk}&revoked_at__isempty=1"
    )
    assert len(certificates.context["cl"].result_list) == 1


def test_the_session_filter_on_the_outbox_answers_bad_input(client_a):
    url = reverse("admin:events_notification_changelist")
    assert client_a.get(url + "?session=abc").status_code == 200


def test_the_session_filter_offers_only_the_organizers_sessions(client_a, session_b):
    url = reverse("admin:events_certificate_changelist")
    assert "Bismarck" not in client_a.get(url).content.decode()


# --- Query count ------------------------------------------------------------------------


def _busy_sessions(organizer, count):
    for _ in range(count):
        session = SessionFactory(address="", capacity=2)
        session.organizers.add(organizer)
        QuestionnaireFactory(training=session.training)
        for _ in range(2):
            person = RegistrationFactory(session=session, attended=True)
            CertificateFactory(registration=person)
            Completion.objects.create(registration=person, phase="post")
        for _ in range(2):
            waiting = RegistrationFactory(session=session, waitlisted=True)
            NotificationFactory(registration=waiting, status=Notification.Status.FAILED)


def test_the_selector_runs_a_fixed_number_of_queries(organizer_a, django_assert_num_queries):
    _busy_sessions(organizer_a, 1)
    with django_assert_num_queries(6):
        home.organizer_home(organizer_a)
    _busy_sessions(organizer_a, 10)
    with django_assert_num_queries(6):
        view = home.organizer_home(organizer_a)
    assert len(view.next_sessions) == home.NEXT_SESSIONS_SHOWN
    assert len(view.problems) == 11


def test_the_home_page_query_count_does_not_grow_with_sessions(
    client_a, organizer_a, django_assert_max_num_queries
):
    # The login session, the user, the permissions, and the home's six (above).
    _busy_sessions(organizer_a, 1)
    with django_assert_max_num_queries(9):
        assert client_a.get(INDEX).status_code == 200
    _busy_sessions(organizer_a, 12)
    with django_assert_max_num_queries(9):
        page = client_a.get(INDEX).content.decode()
    assert page.count('class="home-session"') == home.NEXT_SESSIONS_SHOWN


def test_failed_account_emails_are_a_superusers_only(organizer_a, session_a):
    account = UserFactory()
    NotificationFactory(
        registration=None, user=account, kind="password_reset", status=Notification.Status.FAILED
    )
    assert home.failed_emails(organizer_a) == []
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    assert [(item.session, item.count) for item in home.failed_emails(admin_user)] == [(None, 1)]


@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        ("admin:events_registration_changelist", "session__id__exact"),
        ("admin:events_auditentry_changelist", "session__id__exact"),
        ("admin:events_certificate_changelist", "session"),
    ],
)
def test_every_session_filter_answers_a_hand_edited_address(client_a, name, parameter):
    response = client_a.get(f"{reverse(name)}?{parameter}=abc")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 0
