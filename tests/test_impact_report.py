"""The impact report: hand-counted figures over a small world, scoping, filters, exports.

The world (all in 2025, so it has ended whatever the test clock says):
- Fargo (Central time), starts March 31, 2025 at 20:30 CDT, already April 1 in UTC:
  Alice (schools, "Fargo Public Schools", attended, certificate), Bob (schools,
  "fargo public schools ", attended), Carol (healthcare, Sanford Health, no-show),
  Dave (healthcare, cancelled) and Erin (business, still waiting at the start).
- Williston (Mountain time), April 1, 2025 at 9:00 MDT: Alice again (attended), an
  anonymized schools attendee from "Williston Basin School District", and Frank (law
  enforcement, no organization, attended).
- Bismarck, April 2025, organized by someone else: George (schools, attended).

By hand, for the organizer of Fargo and Williston: 2 sessions held, 6 registered
(3 + 3; Dave cancelled, Erin waiting), 5 attendances (2 + 3), 4 people reached (Alice
once), attendance rate 5/6 = 83.3%, 2 organizations reached (Frank gave none),
2 cities, 1 certificate, 1 left waiting. By month in each session's zone: March 3
registered / 2 attended, April 3 / 3 (in UTC both would be April).
"""

import csv
import io
import zoneinfo
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from events.models import Sector
from events.selectors.impact import ImpactFilters, impact_report, period_range
from events.services.privacy import erase_registration
from tests.factories import (
    CertificateFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    TrainingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
MOUNTAIN = zoneinfo.ZoneInfo("America/Denver")
YEAR_2025 = {"period": "custom", "start": "2025-01-01", "end": "2025-12-31"}
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=CENTRAL)


def _sector(slug: str) -> Sector:
    return Sector.objects.get(slug=slug)


@pytest.fixture
def world(db):
    schools, health = _sector("schools-education"), _sector("healthcare")
    business, police = _sector("business-retail"), _sector("law-enforcement")
    training = TrainingFactory(title="Identifying & Reporting Human Trafficking")
    fargo = SessionFactory(
        training=training,
        city="Fargo",
        timezone="America/Chicago",
        starts_at=datetime(2025, 3, 31, 20, 30, tzinfo=CENTRAL),
        ends_at=datetime(2025, 3, 31, 22, 30, tzinfo=CENTRAL),
    )
    williston = SessionFactory(
        training=training,
        city="Williston",
        timezone="America/Denver",
        starts_at=datetime(2025, 4, 1, 9, 0, tzinfo=MOUNTAIN),
        ends_at=datetime(2025, 4, 1, 12, 0, tzinfo=MOUNTAIN),
    )
    bismarck = SessionFactory(
        training=TrainingFactory(title="Hotel staff training"),
        city="Bismarck",
        starts_at=datetime(2025, 4, 10, 9, 0, tzinfo=CENTRAL),
        ends_at=datetime(2025, 4, 10, 12, 0, tzinfo=CENTRAL),
    )
    attended = {"attended": True, "checked_in_at": fargo.starts_at}

    def person(session, email, sector, organization, **fields):
        return RegistrationFactory(
            session=session, email=email, sector=sector, organization=organization, **fields
        )

    alice = person(fargo, "alice@example.org", schools, "Fargo Public Schools", **attended)
    CertificateFactory(registration=alice)
    person(fargo, "bob@example.org", schools, "fargo public schools ", **attended)
    person(fargo, "carol@example.org", health, "Sanford Health")
    person(fargo, "dave@example.org", health, "Sanford Health", cancelled=True)
    person(fargo, "erin@example.org", business, "Hornbacher's", waitlisted=True)
    person(williston, "alice@example.org", schools, "Fargo Public Schools", **attended)
    erased = person(
        williston, "wendy@example.org", schools, "Williston Basin School District", **attended
    )
    erase_registration(registration_id=erased.pk)
    person(williston, "frank@example.org", police, "", **attended)
    person(bismarck, "george@example.org", schools, "Bismarck Public Schools", **attended)
    organizer = ScopedOrganizerFactory(organizes=[fargo, williston])
    other = ScopedOrganizerFactory(organizes=[bismarck])
    return {
        "fargo": fargo,
        "williston": williston,
        "bismarck": bismarck,
        "organizer": organizer,
        "other": other,
        "training": training,
    }


def report_for(user, **filters):
    values = {"starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31), **filters}
    return impact_report(user, ImpactFilters(**values), sectors=list(Sector.objects.all()), now=NOW)


# --- Headline figures -------------------------------------------------------------


def test_headline_figures_match_the_hand_count(world):
    h = report_for(world["organizer"]).headline
    assert (h.sessions_held, h.sessions_upcoming) == (2, 0)
    assert h.registered == 6
    assert h.attendances == 5
    assert h.people_attended == 4
    assert h.attendance_rate == 83.3
    assert h.organizations == 2
    assert h.cities == 2
    assert h.certificates == 1
    assert h.unmet_demand == 1


def test_one_person_at_two_sessions_counts_twice_in_attendances_and_once_in_people(world):
    h = report_for(world["organizer"], city="Williston").headline
    assert (h.attendances, h.people_attended) == (3, 3)
    h = report_for(world["organizer"]).headline
    assert (h.attendances, h.people_attended) == (5, 4)


def test_revoked_certificates_are_not_counted(world):
    from events.models import Certificate

    Certificate.objects.update(revoked_at=NOW)
    assert report_for(world["organizer"]).headline.certificates == 0


def report_at(user, now: datetime):
    filters = ImpactFilters(starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    return impact_report(user, filters, sectors=list(Sector.objects.all()), now=now)


def test_a_session_under_way_is_held_but_not_yet_in_the_attendance_rate(world):
    during_fargo = datetime(2025, 3, 31, 21, 0, tzinfo=CENTRAL)
    h = report_at(world["organizer"], during_fargo).headline
    assert (h.sessions_held, h.sessions_upcoming) == (1, 1)
    assert (h.attendances, h.people_attended, h.cities) == (2, 2, 1)
    assert h.attendance_rate is None
    # Erin waits for a session that has started: unmet already.
    assert h.unmet_demand == 1


def test_check_ins_for_a_session_still_to_come_count_nowhere(world):
    # The example: people checked in on Dec 7 for the Dec 28 session showed as
    # "Sessions held 0, Attendances 3, People reached 3, Cities reached 1".
    before_both = datetime(2025, 3, 7, 12, 0, tzinfo=CENTRAL)
    report = report_at(world["organizer"], before_both)
    h = report.headline
    assert (h.sessions_held, h.sessions_upcoming) == (0, 2)
    assert (h.attendances, h.people_attended, h.organizations, h.cities) == (0, 0, 0, 0)
    assert h.registered == 6
    assert [r.attended for r in report.by_sector] == [0, 0, 0]
    assert [(r.sessions, r.attended) for r in report.by_month] == [(0, 0), (0, 0)]
    assert [(r.sessions, r.attended) for r in report.by_city] == [(0, 0), (0, 0)]
    assert all(r.attended == 0 for r in report.top_organizations)
    assert report.reached.count == 0


def test_the_figures_agree_with_one_another(world):
    during_fargo = datetime(2025, 3, 31, 21, 0, tzinfo=CENTRAL)
    for now in (during_fargo, NOW):
        report = report_at(world["organizer"], now)
        h = report.headline
        assert sum(r.sessions for r in report.by_month) == h.sessions_held
        assert sum(r.sessions for r in report.by_city) == h.sessions_held
        assert sum(1 for r in report.by_city if r.sessions) == h.cities
        for rows in (report.by_sector, report.by_month, report.by_city):
            assert sum(r.attended for r in rows) == h.attendances
            assert sum(r.registered for r in rows) == h.registered
        assert h.people_attended <= h.attendances


# --- Breakdowns ---------------------------------------------------------------------


def test_sectors_count_registered_and_attended_without_cancelled_or_waiting(world):
    rows = report_for(world["organizer"]).by_sector
    assert [(r.name, r.registered, r.attended) for r in rows] == [
        ("Schools & education", 4, 4),
        ("Healthcare", 1, 0),
        ("Law enforcement & first responders", 1, 1),
    ]


def test_months_are_counted_in_each_sessions_own_time_zone(world):
    rows = report_for(world["organizer"]).by_month
    assert [(r.month, r.sessions, r.registered, r.attended) for r in rows] == [
        (date(2025, 3, 1), 1, 3, 2),
        (date(2025, 4, 1), 1, 3, 3),
    ]


def test_the_period_is_read_in_each_sessions_own_zone(world):
    # Fargo starts on March 31 in Fargo, though it is April 1 in UTC.
    march = report_for(world["organizer"], ends_on=date(2025, 3, 31))
    assert march.headline.sessions_held == 1
    assert [r.city for r in march.by_city] == ["Fargo"]


def test_cities_list_sessions_and_people(world):
    rows = report_for(world["organizer"]).by_city
    assert [(r.city, r.state, r.sessions, r.registered, r.attended) for r in rows] == [
        ("Williston", "ND", 1, 3, 3),
        ("Fargo", "ND", 1, 3, 2),
    ]


def test_organizations_are_grouped_ignoring_case_and_spaces(world):
    rows = report_for(world["organizer"]).top_organizations
    assert [(r.name, r.registered, r.attended) for r in rows] == [
        ("Fargo Public Schools", 3, 3),
        ("Williston Basin School District", 1, 1),
        ("Sanford Health", 1, 0),
    ]


def test_schools_reached_names_the_organizations_of_school_attendees(world):
    reached = report_for(world["organizer"]).reached
    assert reached.sector.slug == "schools-education"
    assert reached.count == 2
    assert [(r.name, r.attended) for r in reached.rows] == [
        ("Fargo Public Schools", 3),
        ("Williston Basin School District", 1),
    ]


def test_the_chosen_sector_narrows_people_and_names_its_organizations(world):
    health = _sector("healthcare")
    report = report_for(world["organizer"], sector_id=health.pk)
    h = report.headline
    assert (h.registered, h.attendances, h.people_attended, h.unmet_demand) == (1, 0, 0, 0)
    assert h.sessions_held == 2  # sessions are counted whatever the sector
    assert report.reached.sector == health
    assert (report.reached.count, report.reached.rows) == (0, [])


def test_anonymized_registrations_still_count_without_their_person(world):
    report = report_for(world["organizer"], city="Williston")
    assert report.headline.people_attended == 3
    names = [r.name for r in report.top_organizations]
    assert "Williston Basin School District" in names


def test_learning_measures_say_no_evaluations_exist_yet(world):
    learning = report_for(world["organizer"]).learning
    assert learning.available is False
    assert learning.knowledge_gain is None


# --- Scope ----------------------------------------------------------------------------


def test_an_organizer_sees_only_their_sessions_and_a_superuser_sees_all(world):
    assert report_for(world["other"]).headline.registered == 1
    superuser = UserFactory(is_staff=True, is_superuser=True)
    h = report_for(superuser).headline
    assert (h.sessions_held, h.registered, h.attendances, h.cities) == (3, 7, 6, 3)


def test_filters_by_training_organizer_and_mode(world):
    organizer = world["organizer"]
    assert report_for(organizer, training_id=world["training"].pk).headline.registered == 6
    assert report_for(organizer, organizer_id=world["other"].pk).headline.registered == 0
    assert report_for(organizer, mode="online").headline.sessions_held == 0
    assert report_for(organizer, mode="in_person").headline.sessions_held == 2


# --- Periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("this_quarter", date(2026, 12, 3), (date(2026, 10, 1), date(2026, 12, 31))),
        ("last_quarter", date(2026, 12, 3), (date(2026, 7, 1), date(2026, 9, 30))),
        ("last_quarter", date(2026, 2, 10), (date(2025, 10, 1), date(2025, 12, 31))),
        ("this_year", date(2026, 12, 3), (date(2026, 1, 1), date(2026, 12, 31))),
        ("fiscal_year", date(2026, 12, 3), (date(2026, 10, 1), date(2027, 9, 30))),
        ("fiscal_year", date(2026, 9, 30), (date(2025, 10, 1), date(2026, 9, 30))),
    ],
)
def test_quick_picks_cover_the_right_days(period, today, expected):
    assert period_range(period, today) == expected


# --- The page -------------------------------------------------------------------------


def _page(client, user, **query):
    client.force_login(user)
    return client.get(reverse("admin:events_impact_report"), query)


def test_report_page_shows_the_figures_charts_and_tables(client, world):
    response = _page(client, world["organizer"], **YEAR_2025)
    assert response.status_code == 200
    figures = {row[0]: row[1] for row in response.context["figures"].rows}
    assert figures["People registered"] == 6
    assert figures["People reached"] == 4
    html = response.content.decode()
    assert html.count('<svg class="impact-chart" role="img"') == 5
    assert "No evaluations exist yet" in html
    assert "Williston Basin School District" in html
    assert "Bismarck" not in html


def test_report_page_runs_at_most_15_queries_whatever_the_size(
    client, world, django_assert_max_num_queries
):
    from tests.admin.test_query_counts import bulk_roster

    bulk_roster(world["fargo"], 2000)
    client.force_login(world["organizer"])
    url = reverse("admin:events_impact_report")
    with django_assert_max_num_queries(15):
        response = client.get(url, YEAR_2025)
    assert response.status_code == 200
    # bulk_roster puts every tenth person on the waiting list.
    assert response.context["report"].headline.registered == 6 + 1800


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sector": "no-such-sector"}, "sector"),
        ({"period": "custom", "start": "2025-12-31", "end": "2025-01-01"}, "__all__"),
        ({"period": "custom", "start": "99999-01-01", "end": "2025-01-01"}, "start"),
        ({"period": "custom", "start": "1066-10-14", "end": "2025-01-01"}, "start"),
        ({"city": "Fargo'; DROP TABLE events_registration; --"}, "city"),
        ({"training": "1 OR 1=1"}, "training"),
        ({"organizer": "abc"}, "organizer"),
        ({"period": "next_century"}, "period"),
        ({"period": "custom", "start": "2025-01-01"}, "__all__"),
    ],
)
def test_nonsense_filters_get_a_form_error_not_a_500(client, world, query, field):
    response = _page(client, world["organizer"], **query)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["report"] is None


def test_another_organizers_training_or_city_is_not_a_valid_choice(client, world):
    bismarck = world["bismarck"]
    response = _page(client, world["organizer"], training=bismarck.training_id, city="Bismarck")
    errors = response.context["form"].errors
    assert "training" in errors and "city" in errors
    assert "Hotel staff training" not in response.content.decode()


def test_exports_refuse_invalid_filters_with_400(client, world):
    client.force_login(world["organizer"])
    response = client.get(reverse("admin:events_impact_xlsx"), {"sector": "nope"})
    assert response.status_code == 400


def test_non_staff_cannot_open_the_report(client, world):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:events_impact_report"))
    assert response.status_code == 302


# --- Exports ------------------------------------------------------------------------


def test_xlsx_has_a_cover_and_one_sheet_per_breakdown_with_the_pages_numbers(client, world):
    client.force_login(world["organizer"])
    response = client.get(reverse("admin:events_impact_xlsx"), {**YEAR_2025, "state": "ND"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Report",
        "By sector",
        "By month",
        "By city",
        "Top organizations",
        "Organizations reached",
    ]
    cover = {row[0]: row[1] for row in workbook["Report"].iter_rows(values_only=True) if row}
    assert cover["Period"] == "2025-01-01 – 2025-12-31"
    assert cover["State"] == "ND"
    assert cover["People registered"] == 6
    assert cover["Attendance rate"] == "83.3%"
    months = list(workbook["By month"].iter_rows(values_only=True))
    assert months[0][0] == "By month"
    assert months[1:4] == [
        ("Month", "Sessions held", "Registered", "Attended"),
        ("2025-03", 1, 3, 2),
        ("2025-04", 1, 3, 3),
    ]


def test_csv_per_breakdown(client, world):
    client.force_login(world["organizer"])
    url = reverse("admin:events_impact_csv", args=["sectors"])
    response = client.get(url, YEAR_2025)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Sector", "Registered", "Attended"],
        ["Schools & education", "4", "4"],
        ["Healthcare", "1", "0"],
        ["Law enforcement & first responders", "1", "1"],
    ]
    missing = client.get(reverse("admin:events_impact_csv", args=["nothing"]), YEAR_2025)
    assert missing.status_code == 404


def test_csv_cells_that_look_like_formulas_are_neutralized(client, world):
    RegistrationFactory(session=world["fargo"], organization="=HYPERLINK(1)", attended=True)
    client.force_login(world["organizer"])
    url = reverse("admin:events_impact_csv", args=["organizations"])
    content = client.get(url, YEAR_2025).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in content


def test_pdf_is_a_printable_report(client, world):
    client.force_login(world["organizer"])
    response = client.get(reverse("admin:events_impact_pdf"), YEAR_2025)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000
