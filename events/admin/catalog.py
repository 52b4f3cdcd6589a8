"""Catalogue admin: sectors, trainings and sessions (scoped to their organizers)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from events.documents import exports
from events.documents.charts import bar_chart, chart_svg
from events.documents.pdf.signin import render_signin_sheet
from events.models import Registration, Sector, Training, TrainingSession
from events.models.catalog import TIMEZONE_CHOICES
from events.selectors import catalog as session_selectors
from events.selectors import roster as roster_selectors
from events.selectors import scope
from events.services import catalog as catalog_service
from events.services import sessions as session_service

from .certificate_images import CertificateImageViews
from .evaluation_results import EvaluationResultsViews
from .filters import DefaultChoiceFilter
from .impact import ImpactReportViews
from .scoping import OrganizerScopedAdmin
from .seat_holds import SeatHoldInline
from .widgets import name_datetime_parts


class ShownOnEveryPublicPageAdmin(admin.ModelAdmin):
    """Trainings and sectors show on every public page (and sectors in every form): they
    are saved and deleted through services/catalog.py, which marks the pages stale."""

    def save_model(self, request, obj, form, change):
        catalog_service.save_catalog_entry(entry=obj)

    def delete_model(self, request, obj):
        catalog_service.delete_catalog_entries(entries=type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        catalog_service.delete_catalog_entries(entries=queryset)


@admin.register(Sector)
class SectorAdmin(ShownOnEveryPublicPageAdmin):
    list_display = ["name", "slug", "order", "active"]
    list_editable = ["order", "active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Training)
class TrainingAdmin(CertificateImageViews, ShownOnEveryPublicPageAdmin):
    list_display = ["title", "hosts", "credit_hours"]
    prepopulated_fields = {"slug": ["title"]}
    # A plain multiple select: the two-box filter widget's icons carry ARIA that axe
    # refuses (aria-prohibited-attr), and a dozen sectors need no filtering.
    search_fields = ["title", "title_es"]


def sector_chart(summary: roster_selectors.RosterSummary) -> SafeString:
    """The session page's chart: attended people by sector once the session has ended,
    confirmed people before, and its title says which."""
    if summary.counts_attended:
        title, series = _("People who attended, by sector (the session has ended)"), _("Attended")
    else:
        title = _("Confirmed attendees by sector (the session has not ended yet)")
        series = _("Confirmed")
    chart = bar_chart(
        title=str(title),
        category_label=str(_("Sector")),
        value_label=str(_("People")),
        labels=[s.name for s in summary.sectors],
        series=[(str(series), [s.count for s in summary.sectors])],
    )
    return chart_svg(chart, chart_id="sector-chart")


class WhenFilter(DefaultChoiceFilter):
    """Upcoming sessions by default (today's included, soonest first); past ones on
    request, most recent first.

    A link that already names dates (the date drill-down) or searches means "all":
    ``?starts_at__year=2014`` must not come back empty because 2014 is past.
    """

    title = _("date")  # "By date: Upcoming, Past, All"
    parameter_name = "when"
    UPCOMING, PAST, ALL = "upcoming", "past", "all"
    # Each choice has its own order (get_ordering): its link drops a sorted column.
    dropped_by_choice = ("o",)

    def __init__(self, request, params, model, model_admin):
        self.explicit_dates = any(key.startswith("starts_at__") for key in request.GET) or bool(
            request.GET.get("q")
        )
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [
            (self.UPCOMING, _("Upcoming")),
            (self.PAST, _("Past")),
            (self.ALL, _("All")),
        ]

    def default(self) -> str:
        return self.ALL if self.explicit_dates else self.UPCOMING

    def queryset(self, request, queryset):
        upcoming = session_selectors.upcoming_or_today()
        if self.value() == self.UPCOMING:
            return queryset.filter(upcoming)
        if self.value() == self.PAST:
            return queryset.exclude(upcoming)
        return queryset


@admin.register(TrainingSession)
class TrainingSessionAdmin(OrganizerScopedAdmin):
    # Saving goes through the session services, which say which pages changed;
    # deleting a session changes its own page and the lists.
    list_display = [
        "training",
        "local_date",
        "city",
        "capacity",
        "confirmed",
        "waitlisted",
        "attended",
        "status",
    ]
    list_display_links = ["training", "local_date"]
    # Training is searchable; a training filter would cost one more query per page.
    list_filter = [WhenFilter, "status", "city"]
    date_hierarchy = "starts_at"
    search_fields = ["training__title", "training__title_es", "city", "venue"]
    autocomplete_fields = ["training"]
    show_full_result_count = False
    change_form_template = "admin/events/trainingsession/change_form.html"
    inlines = [SeatHoldInline]

    def scoped_queryset(self, request):
        return scope.session_list_for_organizer(request.user)

    def session_id_of(self, obj) -> int:
        return obj.pk

    def get_ordering(self, request):
        # Soonest first; past sessions most recent first. A sorted column still wins.
        past = request.GET.get(WhenFilter.parameter_name) == WhenFilter.PAST
        return ["-starts_at", "-pk"] if past else ["starts_at", "pk"]

    @admin.display(description=_("date"), ordering="starts_at")
    def local_date(self, obj: TrainingSession) -> str:
        return f"{obj.local_starts_at:%Y-%m-%d %H:%M %Z}"

    @admin.display(description=_("confirmed"), ordering="confirmed_count")
    def confirmed(self, obj: TrainingSession) -> int:
        return obj.confirmed_count

    @admin.display(description=_("waiting"), ordering="waitlisted_count")
    def waitlisted(self, obj: TrainingSession) -> int:
        return obj.waitlisted_count

    @admin.display(description=_("attended"), ordering="attended_count")
    def attended(self, obj: TrainingSession) -> int:
        return obj.attended_count

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "online_url":
            kwargs["assume_scheme"] = "https"  # meeting links are https; Django 6's default
        field = name_datetime_parts(super().formfield_for_dbfield(db_field, request, **kwargs))
        if isinstance(db_field, models.DateTimeField) and field is not None:
            # The form runs in the session's zone (changeform_view), so say which one;
            # admin.css hides the admin's "You are N hours ahead of server time", which
            # compares the browser with that zone and reads as if the times were off.
            zone = _("Times are in %(zone)s.") % {"zone": timezone.get_current_timezone_name()}
            field.help_text = f"{zone} {field.help_text}".strip()
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "organizers":
            # Organizers pick co-organizers among staff, not from every account.
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True).order_by("email")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            session_service.update_session(session=obj, actor=request.user)
        else:
            session_service.create_session(session=obj, actor=request.user)

    def delete_model(self, request, obj):
        session_service.delete_sessions(sessions=TrainingSession.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        session_service.delete_sessions(sessions=queryset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An organizer who creates or edits a session keeps access to it.
        if not scope.can_see_all(request.user):
            form.instance.organizers.add(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            # Before the object URLs, whose <path:object_id> would take "impact".
            *ImpactReportViews(self).urls(),
            *EvaluationResultsViews(self).urls(),
            path("<path:object_id>/roster.csv", view(self.roster_csv), name="events_session_csv"),
            path(
                "<path:object_id>/roster.xlsx", view(self.roster_xlsx), name="events_session_xlsx"
            ),
            path(
                "<path:object_id>/sign-in.pdf",
                view(self.signin_sheet),
                name="events_session_signin",
            ),
            *super().get_urls(),
        ]

    def _session_for_export(self, request, object_id) -> TrainingSession:
        session = self.get_object(request, object_id)  # 404 outside the user's sessions
        if not self.has_view_permission(request, session):
            raise PermissionDenied
        return session

    def _filename(self, session: TrainingSession) -> str:
        return f"roster-{session.local_starts_at:%Y-%m-%d}-{session.public_id}"

    def roster_csv(self, request, object_id):
        session = self._session_for_export(request, object_id)
        registrations = Registration.objects.filter(session=session)
        return exports.csv_response(registrations, filename=self._filename(session))

    def roster_xlsx(self, request, object_id):
        session = self._session_for_export(request, object_id)
        registrations = Registration.objects.filter(session=session)
        return exports.xlsx_response(registrations, filename=self._filename(session))

    def signin_sheet(self, request, object_id):
        session = self._session_for_export(request, object_id)
        response = HttpResponse(render_signin_sheet(session), content_type="application/pdf")
        filename = f"sign-in-{session.local_starts_at:%Y-%m-%d}-{session.public_id}.pdf"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Show and read the times in the session's own zone, not the server's.

        A Williston session at 9:00 Mountain must read 9:00 in the form, or an
        organizer "correcting" it would move the session by an hour. A form sent with
        a zone is read in that zone: the times typed are the venue's, whichever zone
        was picked beside them (a new Denver session at 9:00 is 9:00 Mountain).
        """
        zone = None
        sent = request.POST.get("timezone") if request.method == "POST" else None
        if sent in dict(TIMEZONE_CHOICES):
            zone = sent
        elif object_id:
            try:
                zone = (
                    self.get_queryset(request)
                    .filter(pk=int(object_id))
                    .values_list("timezone", flat=True)
                    .first()
                )
            except ValueError:
                zone = None
        with timezone.override(zone or settings.TIME_ZONE):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # Render now: a TemplateResponse would otherwise render after the override.
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        session = self.get_object(request, object_id)
        summary = roster_selectors.roster_summary(session)
        extra_context = {
            **(extra_context or {}),
            "roster_summary": summary,
            "sector_chart": sector_chart(summary) if summary.sectors else "",
            "roster_url": reverse("admin:events_registration_changelist")
            + f"?session__id__exact={session.pk}",
            "checkin_url": reverse("events:organize_checkin", args=[session.pk]),
            "csv_url": reverse("admin:events_session_csv", args=[session.pk]),
            "xlsx_url": reverse("admin:events_session_xlsx", args=[session.pk]),
            "signin_url": reverse("admin:events_session_signin", args=[session.pk]),
            "evaluation_url": reverse("admin:events_session_evaluation", args=[session.pk]),
            "training_evaluation_url": reverse(
                "admin:events_training_evaluation", args=[session.training_id]
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)
