"""Roster exports (CSV and XLSX) that stream, and that spreadsheets cannot execute.

Both formats read the roster in chunks with .iterator(), so a 50,000-row export
keeps memory flat: CSV goes out as it is written (StreamingHttpResponse), XLSX is
written by openpyxl's write-only mode to a temporary file that is then streamed.
"""

import csv
import tempfile
import zoneinfo
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from events.models import Registration

CHUNK = 2000

# Spreadsheet programs run a cell that starts with one of these as a formula
# (CSV injection); tab and carriage return can hide such a prefix.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# openpyxl writes about 2,000-3,000 rows/s here (bench/results/exports.md), so a
# bigger workbook would outlast a web worker's timeout; CSV streams any size.
XLSX_MAX_ROWS = 20_000

FIELDS = [
    "full_name",
    "email",
    "organization",
    "sector__name",
    "job_title",
    "accommodations",
    "status",
    "session__training__title",
    "session__starts_at",
    "session__city",
    "session__timezone",
    "created_at",
    "checked_in_at",
    "attended",
    "certificate__code",
]


def neutralize(value):
    """Make a text cell inert: prefix a leading formula character with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def header() -> list[str]:
    return [
        _("Name"),
        _("Email"),
        _("Organization"),
        _("Sector"),
        _("Job title"),
        _("Accessibility needs"),
        _("Status"),
        _("Training"),
        _("Session starts"),
        _("City"),
        _("Registered at"),
        _("Checked in at"),
        _("Attended"),
        _("Certificate"),
    ]


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _local(moment: datetime | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    # Naive local time: spreadsheets have no time zones, and organizers read the
    # session's own clock (a Mountain-time session shows Mountain times).
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def roster_rows(registrations: QuerySet[Registration]) -> Iterator[list]:
    """One list of plain values per registration, read in chunks, cells neutralized."""
    statuses = {value: str(label) for value, label in Registration.Status.choices}
    yes, no = _("Yes"), _("No")
    rows = registrations.order_by("session__starts_at", "session_id", "full_name", "id")
    for (
        name,
        email,
        organization,
        sector,
        job_title,
        accommodations,
        status,
        training,
        starts_at,
        city,
        zone_name,
        created_at,
        checked_in_at,
        attended,
        certificate,
    ) in rows.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        zone = _zone(zone_name)
        yield [
            neutralize(name),
            neutralize(email),
            neutralize(organization),
            neutralize(sector),
            neutralize(job_title),
            neutralize(accommodations),
            statuses.get(status, status),
            neutralize(training),
            _local(starts_at, zone),
            neutralize(city),
            _local(created_at, zone),
            _local(checked_in_at, zone),
            yes if attended else no,
            _display_code(certificate),
        ]


def _display_code(code: str | None) -> str:
    if not code:
        return ""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer to stream."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte-order mark makes Excel read the file as UTF-8 (names like "Nguyễn").
    yield "\ufeff" + writer.writerow(header())
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def csv_response(registrations: QuerySet[Registration], *, filename: str) -> StreamingHttpResponse:
    """Stream the roster as CSV; rows are read and sent chunk by chunk."""
    response = StreamingHttpResponse(
        csv_lines(roster_rows(registrations)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def write_xlsx(registrations: QuerySet[Registration], file) -> None:
    """Write the roster to an open binary file with openpyxl's constant-memory writer."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Roster")[:31])
    sheet.freeze_panes = "A2"
    sheet.append(header())
    for row in roster_rows(registrations):
        sheet.append(row)
    workbook.save(file)


def xlsx_response(registrations: QuerySet[Registration], *, filename: str) -> FileResponse:
    """Build the XLSX in a temporary file (deleted when the response closes it) and stream it."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(registrations, spool)
    spool.seek(0)
    response = FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    return response
