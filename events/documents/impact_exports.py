"""The impact report for grant managers: XLSX (a cover sheet, then one sheet per table)
and CSV (one file per table), printed from events.documents.impact.report_tables.

The tables are small (a row per sector, month, city or organization), so both are
written in memory. Text cells are neutralized like the roster exports' (a name
starting with = is not run as a formula).
"""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from events.selectors.impact import ImpactReport

from .exports import neutralize
from .impact import NO_EVALUATIONS, ReportTable, learning_rows, report_tables

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def table_csv(table: ReportTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([neutralize(value) for value in row])
    # A byte-order mark makes Excel read the file as UTF-8 (names like "Nguyễn").
    return "\ufeff" + buffer.getvalue()


def csv_response(table: ReportTable, *, filename: str) -> HttpResponse:
    return _attachment(
        table_csv(table).encode(),
        content_type="text/csv; charset=utf-8",
        filename=f"{filename}.csv",
    )


def _sheet_title(title: str) -> str:
    # Excel's limits: 31 characters, none of []:*?/\
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31]


def write_workbook(report: ImpactReport, *, cover: list[list], file) -> None:
    """The cover (title, period, filters, headline figures) and one sheet per breakdown."""
    workbook = Workbook()
    bold = Font(bold=True)
    sheet = workbook.active
    sheet.title = _sheet_title(_("Report"))
    sheet.append([_("Impact report")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for label, value in cover:
        sheet.append([label, neutralize(value)])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    tables = report_tables(report)
    figures, breakdowns = tables[0], tables[1:]
    sheet.append([])
    sheet.append(figures.columns)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in figures.rows:
        sheet.append(row)
    sheet.append([])
    sheet.append([_("Learning measures")])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for row in learning_rows(report) or [[str(NO_EVALUATIONS)]]:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 70
    for table in breakdowns:
        page = workbook.create_sheet(title=_sheet_title(table.sheet or table.title))
        page.append([table.title])
        page["A1"].font = Font(bold=True, size=13)
        page.append(table.columns)
        for cell in page[2]:
            cell.font = bold
        page.freeze_panes = "A3"
        for row in table.rows:
            page.append([neutralize(value) for value in row])
        if table.note:
            page.append([])
            page.append([table.note])
        page.column_dimensions["A"].width = 42
    workbook.save(file)


def xlsx_response(report: ImpactReport, *, cover: list[list], filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    write_workbook(report, cover=cover, file=buffer)
    return _attachment(buffer.getvalue(), content_type=XLSX_TYPE, filename=f"{filename}.xlsx")
