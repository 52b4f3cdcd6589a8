"""Roster exports (CSV, XLSX) and the printable sign-in sheet."""

import csv
import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from events.documents.exports import neutralize
from events.models import Registration, Sector
from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


@pytest.fixture
def session(db):
    return SessionFactory()


@pytest.fixture
def organizer_client(client, session):
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    return client


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_streams_one_row_per_registration(organizer_client, session):
    RegistrationFactory.create_batch(3, session=session)
    response = organizer_client.get(reverse("admin:events_session_csv", args=[session.pk]))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:4] == ["Name", "Email", "Organization", "Sector"]
    assert len(rows) == 4


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_cells_that_start_a_formula_are_neutralized(organizer_client, session, value):
    RegistrationFactory(session=session, full_name=value, organization=value)
    response = organizer_client.get(reverse("admin:events_session_csv", args=[session.pk]))
    row = csv_rows(response)[1]
    assert row[0] == "'" + value
    assert row[2] == "'" + value


def test_ordinary_text_is_exported_unchanged():
    assert neutralize("Nguyễn Thị-Lan") == "Nguyễn Thị-Lan"
    assert neutralize("a=b") == "a=b"


def test_xlsx_export_has_no_formulas_even_for_hostile_names(organizer_client, session):
    for value in HOSTILE:
        RegistrationFactory(session=session, full_name=value)
    response = organizer_client.get(reverse("admin:events_session_xlsx", args=[session.pk]))
    assert isinstance(response, FileResponse)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    data_types = {row[0].data_type for row in sheet.iter_rows(min_row=2)}
    assert sorted(names) == sorted("'" + v for v in HOSTILE)
    assert data_types == {"s"}


def test_xlsx_export_shows_times_in_the_sessions_zone(organizer_client, session):
    session.timezone = "America/Denver"
    session.save()
    RegistrationFactory(session=session)
    response = organizer_client.get(reverse("admin:events_session_xlsx", args=[session.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    column = [cell.value for cell in sheet[1]].index("Session starts") + 1
    starts = sheet.cell(row=2, column=column).value
    assert starts == session.local_starts_at.replace(tzinfo=None, second=0, microsecond=0)


def test_filtered_roster_export_follows_the_changelist_filters(organizer_client, session):
    health = Sector.objects.get(slug="healthcare")
    schools = Sector.objects.get(slug="schools-education")
    RegistrationFactory(session=session, sector=health, full_name="Nurse Nora")
    RegistrationFactory(session=session, sector=schools, full_name="Teacher Tom")
    url = reverse("admin:events_roster_csv")
    response = organizer_client.get(url, {"sector__id__exact": health.pk})
    names = [row[0] for row in csv_rows(response)[1:]]
    assert names == ["Nurse Nora"]


def test_roster_changelist_links_to_the_filtered_export(organizer_client, session):
    health = Sector.objects.get(slug="healthcare")
    url = reverse("admin:events_registration_changelist")
    response = organizer_client.get(url, {"sector__id__exact": health.pk})
    expected = reverse("admin:events_roster_csv") + f"?sector__id__exact={health.pk}"
    assert expected.encode() in response.content


# --- sign-in sheet --------------------------------------------------------------------


def pdf_text(response) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(response.content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_sign_in_sheet_lists_confirmed_people_sorted_by_name(organizer_client, session):
    for name in ("zoe Zimmer", "Ana Alvarez", "Mia Moe"):
        RegistrationFactory(session=session, full_name=name, organization="Sanford")
    RegistrationFactory(session=session, full_name="Wes Waiting", waitlisted=True)
    response = organizer_client.get(reverse("admin:events_session_signin", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    _, text = pdf_text(response)
    assert "Signature" in text
    assert text.index("Ana Alvarez") < text.index("Mia Moe") < text.index("zoe Zimmer")
    assert "Wes Waiting" not in text


def test_sign_in_sheet_runs_onto_several_pages(organizer_client, session):
    now = RegistrationFactory(session=session).consented_at
    sector = Sector.objects.first()
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                full_name=f"Person {i:03d}",
                email=f"p{i}@example.org",
                sector=sector,
                consented_at=now,
                status="confirmed",
                manage_token_hash=f"signin-{i}",
            )
            for i in range(80)
        ]
    )
    response = organizer_client.get(reverse("admin:events_session_signin", args=[session.pk]))
    pages, text = pdf_text(response)
    assert pages >= 3
    assert "Person 079" in text
    # The column headings repeat on every page.
    assert text.count("Signature") == pages


def test_xlsx_of_a_list_too_long_for_a_web_request_is_refused_with_advice(
    organizer_client, session, monkeypatch
):
    from events.documents import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    RegistrationFactory.create_batch(3, session=session)
    response = organizer_client.get(reverse("admin:events_roster_xlsx"), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["This list is too long for XLSX (over 2 rows). Export it as CSV."]
