"""Evaluation results as XLSX: a summary sheet, scales, knowledge, and the free text.

Printed from events.selectors.evaluation_results, the same results the page shows.
Free text is written through neutralize(), so an answer starting with = is text.
"""

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from events.models.evaluations import Phase
from events.selectors.evaluation_results import EvaluationResults

from .exports import neutralize
from .impact_exports import XLSX_TYPE, _attachment


def summary_rows(results: EvaluationResults) -> list[list]:
    """The headline measures as (measure, before, after) rows, for the page and the sheet."""
    return [
        [
            _("Completion rate (%)"),
            results.completion_pre,
            results.completion_post,
        ],
        [
            _("Responses"),
            results.completed[Phase.PRE],
            results.completed[Phase.POST],
        ],
        [
            _("Average knowledge score (%)"),
            results.average_score[Phase.PRE],
            results.average_score[Phase.POST],
        ],
    ]


def _sheet(workbook, title: str, columns: list[str], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralize(value) for value in row])


def results_xlsx(results: EvaluationResults, *, title: str, filename: str) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    before, after = _("Before"), _("After")
    _sheet(
        workbook,
        _("Summary"),
        [title, before, after],
        [
            *summary_rows(results),
            [_("Paired gain (points)"), results.paired_count, results.paired_gain],
        ],
    )
    _sheet(
        workbook,
        _("Scales"),
        [_("Question"), _("Phase"), "1", "2", "3", "4", "5", _("% 4–5")],
        [
            [row.text, str(Phase(phase).label), *row.counts[phase], row.high(phase)]
            for row in results.scales
            for phase in (Phase.PRE, Phase.POST)
            if phase in row.counts
        ],
    )
    _sheet(
        workbook,
        _("Knowledge"),
        [_("Question"), _("% correct before"), _("% correct after")],
        [[row.text, row.correct_pre, row.correct_post] for row in results.knowledge],
    )
    _sheet(
        workbook,
        _("Free text"),
        [_("Question"), _("Phase"), _("Answer")],
        [[item.question, str(Phase(item.phase).label), item.text] for item in results.free_text],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(buffer.getvalue(), content_type=XLSX_TYPE, filename=f"{filename}.xlsx")
