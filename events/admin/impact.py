"""The impact report in the organizer admin: the page, its XLSX, CSV and PDF exports.

Scoped like the rest of the admin: everything starts from the sessions the user
organizes (every session for a superuser). The views only parse the filters and call
events.selectors.impact; the page and every export print the same ImpactReport.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from events.documents import impact_exports
from events.documents.charts import chart_svg
from events.documents.impact import NO_EVALUATIONS, filter_rows, learning_rows, report_tables
from events.documents.pdf.impact import render_impact_pdf
from events.selectors import impact as impact_selectors
from events.selectors.impact import ImpactReport, impact_report

from .impact_form import ImpactReportForm


@dataclass(frozen=True)
class ExportRequest:
    report: ImpactReport
    cover: list[list]  # the filters and the period, for a cover sheet or page
    filename: str  # without its extension


class ImpactReportViews:
    """The report's views, mounted under the session admin's URLs."""

    def __init__(self, model_admin) -> None:
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site

    def urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("impact/", view(self.page), name="events_impact_report"),
            path("impact/report.xlsx", view(self.xlsx), name="events_impact_xlsx"),
            path("impact/report.pdf", view(self.pdf), name="events_impact_pdf"),
            path("impact/<slug:table>.csv", view(self.csv), name="events_impact_csv"),
        ]

    def _report(self, request):
        """The bound form and, when its values are valid, the report it asks for."""
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied
        choices = impact_selectors.report_filter_choices(request.user)
        form = ImpactReportForm(request.GET, **choices)
        if not form.is_valid():
            return form, None
        report = impact_report(request.user, form.filters(), sectors=choices["sectors"])
        return form, report

    def page(self, request):
        form, report = self._report(request)
        tables = report_tables(report) if report else []
        query = request.GET.urlencode()

        def with_query(url: str) -> str:
            return f"{url}?{query}" if query else url

        context = {
            **self.admin_site.each_context(request),
            "title": _("Impact report"),
            "opts": self.model_admin.model._meta,
            "form": form,
            "report": report,
            "figures": tables[0] if tables else None,
            "breakdowns": [
                {
                    "table": table,
                    "svg": chart_svg(table.chart, chart_id=f"chart-{table.key}"),
                    "csv_url": with_query(reverse("admin:events_impact_csv", args=[table.key])),
                }
                for table in tables[1:]
            ],
            "described": form.described() if report else [],
            "learning": learning_rows(report) if report else [],
            "no_evaluations": NO_EVALUATIONS,
            "xlsx_url": with_query(reverse("admin:events_impact_xlsx")),
            "pdf_url": with_query(reverse("admin:events_impact_pdf")),
            "figures_csv_url": with_query(reverse("admin:events_impact_csv", args=["figures"])),
            "period_links": self._period_links(request),
        }
        return TemplateResponse(request, "admin/events/impact_report.html", context)

    def _period_links(self, request) -> list[tuple[str, str]]:
        """Quick picks as plain links that keep the other filters."""
        links = []
        for value, label in ImpactReportForm.base_fields["period"].choices:
            if value == "custom":
                continue
            query = request.GET.copy()
            query["period"] = value
            for name in ("start", "end"):
                query.pop(name, None)
            links.append((str(label), f"?{query.urlencode()}"))
        return links

    def _export(self, request) -> tuple[ExportRequest | None, HttpResponse | None]:
        """What an export prints, or the 400 that says which filters are wrong."""
        form, report = self._report(request)
        if report is None:
            errors = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in form.errors.items()
            )
            refused = HttpResponseBadRequest(
                _("These filters are not valid: %(errors)s") % {"errors": errors},
                content_type="text/plain; charset=utf-8",
            )
            return None, refused
        f = report.filters
        filename = f"impact-{f.starts_on:%Y-%m-%d}-{f.ends_on:%Y-%m-%d}"
        cover = filter_rows(report, form.described())
        return ExportRequest(report=report, cover=cover, filename=filename), None

    def xlsx(self, request):
        export, refused = self._export(request)
        if refused:
            return refused
        return impact_exports.xlsx_response(
            export.report, cover=export.cover, filename=export.filename
        )

    def csv(self, request, table):
        export, refused = self._export(request)
        if refused:
            return refused
        tables = {t.key: t for t in report_tables(export.report)}
        if table not in tables:
            raise Http404(_("No such table in the report."))
        return impact_exports.csv_response(tables[table], filename=f"{export.filename}-{table}")

    def pdf(self, request):
        export, refused = self._export(request)
        if refused:
            return refused
        content = render_impact_pdf(export.report, cover=export.cover)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{export.filename}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
