"""The roster: registrations of the organizer's sessions, its actions, and the audit trail."""

from collections import Counter
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from events.documents import exports
from events.models import AuditEntry, Registration
from events.selectors import scope
from events.selectors.text_search import containing_ignoring_accents
from events.services import checkin
from events.services import roster as roster_service
from events.services.certificate_issuance import request_selection_issuance
from events.services.registration import cancel_registration
from events.services.waitlist import PromotionRefused, promote_registration

from .actions import report, run_on_each
from .filters import DefaultChoiceFilter
from .labels import session_label, truncated
from .scoping import OrganizerScopedAdmin, SessionFilter

SEARCHED = ["full_name", "email", "organization"]
# A search box pasted full of words should not become a query of a hundred clauses.
MAX_SEARCH_WORDS = 8
# Characters of a registrant's accessibility needs shown in the roster's column.
NEEDS_SHOWN = 40
# Characters of an email address shown in the roster's column (all of it in the title).
EMAIL_SHOWN = 22

# Reasons a roster action gives for skipping a row; anything else is a real error.
REFUSALS = (
    checkin.CheckInRefused,
    checkin.AttendanceRefused,
    PromotionRefused,
    roster_service.RosterActionRefused,
)


class OrganizerMessageForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=150)
    body = forms.CharField(
        label=gettext_lazy("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )


class AttendanceReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        help_text=gettext_lazy(
            "Why attendance is recorded outside the check-in hours, e.g. "
            "“paper sign-in sheet, door tablet was down”. Kept in the audit trail."
        ),
    )


class AccessibilityNeedsFilter(admin.SimpleListFilter):
    """Who told us of a need (interpreting, mobility, diet...), to plan the room."""

    title = gettext_lazy("accessibility needs")
    parameter_name = "needs"

    def lookups(self, request, model_admin):
        return [("yes", _("Has needs")), ("no", _("None given"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(accommodations="")
        if self.value() == "no":
            return queryset.filter(accommodations="")
        return queryset


class JoinedOnlineFilter(admin.SimpleListFilter):
    """Who opened an online session through their own link: evidence for marking checkin."""

    title = gettext_lazy("joined online")
    parameter_name = "joined"

    def lookups(self, request, model_admin):
        return [("yes", _("Joined")), ("no", _("Not joined"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(joined_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(joined_at__isnull=True)
        return queryset


class RosterStatusFilter(DefaultChoiceFilter):
    """People who hold a place or wait for one; cancelled people only when asked.

    Keeps the name of Django's own status filter, so links that say
    ``?status__exact=cancelled`` (or confirmed, waitlisted) still work.
    """

    title = gettext_lazy("status")
    parameter_name = "status__exact"
    ACTIVE, ALL = "active", "all"

    def lookups(self, request, model_admin):
        return [
            (self.ACTIVE, _("Confirmed and waiting")),
            *Registration.Status.choices,
            (self.ALL, _("All, cancelled included")),
        ]

    def default(self) -> str:
        return self.ACTIVE

    def queryset(self, request, queryset):
        if self.value() == self.ACTIVE:
            return queryset.exclude(status=Registration.Status.CANCELLED)
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


@admin.register(Registration)
class RegistrationAdmin(OrganizerScopedAdmin):
    list_display = [
        "full_name",
        "email_address",
        "organization",
        "sector",
        "status",
        "needs",
        "checked_in",
        "has_certificate",
        "session_place_and_date",
    ]
    list_filter = [
        SessionFilter,
        "sector",
        RosterStatusFilter,
        "attended",
        AccessibilityNeedsFilter,
        JoinedOnlineFilter,
    ]
    # Searched by get_search_results below; listing them shows the admin's search box.
    search_fields = ["full_name", "email", "organization"]
    list_select_related = ["sector", "session__training", "certificate"]
    list_per_page = 100
    show_full_result_count = False
    ordering = ["full_name", "id"]
    # Status, attendance and the session change only through the actions, which
    # keep capacity and the audit trail right; the form edits only the details.
    readonly_fields = [
        "session",
        "status",
        "created_at",
        "waitlisted_at",
        "confirmed_at",
        "cancelled_at",
        "checked_in_at",
        "checked_in_by",
        "joined_at",
        "attended",
        "timezone",
        "user",
        "audit_trail",
    ]
    fields = ["session", *roster_service.EDITABLE_DETAILS, *readonly_fields[1:]]
    actions = [
        "check_in_selected",
        "mark_attended",
        "mark_attended_with_reason",
        "mark_not_attended",
        "promote_selected",
        "cancel_selected",
        "resend_confirmation",
        "email_selected",
        "issue_certificates",
        "export_csv",
        "export_xlsx",
    ]
    change_list_template = "admin/events/registration/change_list.html"

    def scoped_queryset(self, request):
        return scope.registrations_for_organizer(request.user)

    def get_search_results(self, request, queryset, search_term):
        """Each word must appear in the name, email or organization, accents ignored:
        "nunez" finds "José Núñez"."""
        for word in search_term.split()[:MAX_SEARCH_WORDS]:
            queryset = containing_ignoring_accents(queryset, SEARCHED, word)
        return queryset, False

    def session_id_of(self, obj) -> int:
        return obj.session_id

    def has_add_permission(self, request):
        # Registrations come from the public form, which enforces capacity and consent.
        return False

    @admin.display(description=gettext_lazy("needs"))
    def needs(self, obj: Registration) -> str:
        # The start of it; the registration's page shows it whole.
        return Truncator(obj.accommodations).chars(NEEDS_SHOWN) if obj.accommodations else ""

    @admin.display(description=gettext_lazy("checked in"), boolean=True, ordering="checked_in_at")
    def checked_in(self, obj: Registration) -> bool:
        return obj.checked_in_at is not None

    @admin.display(description=gettext_lazy("session"), ordering="session__starts_at")
    def session_place_and_date(self, obj: Registration) -> str:
        # City and day, not the training's title again: the column must stay narrow
        # enough for the roster to fit 1280 px (the session filter names it in full).
        return session_label(obj.session)

    @admin.display(description=gettext_lazy("email"), ordering="email")
    def email_address(self, obj: Registration) -> str:
        # Whoever reaches a row organizes its session (scope.registrations_for_organizer)
        # or is a superuser: the people the change form and the exports show it to.
        return truncated(obj.email, EMAIL_SHOWN)

    @staticmethod
    def _session_id(request) -> int | None:
        """The id of the session the list is filtered to, if the link names one."""
        return SessionFilter.session_id(request.GET.get(SessionFilter.parameter_name))

    def _one_session(self, request):
        """The session the list is filtered to, if it is one of the user's."""
        session_id = self._session_id(request)
        if session_id is None:
            return None
        return (
            scope.sessions_for_organizer(request.user)
            .select_related("training")
            .filter(pk=session_id)
            .first()
        )

    def get_list_display(self, request):
        # Filtered to one session, the page's subtitle names it once (changelist_view).
        if self._session_id(request) is not None:
            return [c for c in self.list_display if c != "session_place_and_date"]
        return self.list_display

    @admin.display(description=gettext_lazy("certificate"), boolean=True)
    def has_certificate(self, obj: Registration) -> bool:
        # Filled by list_select_related ("certificate"): no query per row.
        return hasattr(obj, "certificate")

    @admin.display(description=gettext_lazy("history"))
    def audit_trail(self, obj: Registration) -> str:
        entries = obj.audit_entries.select_related("actor").order_by("-created_at", "-id")[:50]
        if not entries:
            return "–"
        rows = format_html_join(
            "",
            "<li>{} – {}{} ({})</li>",
            (
                (
                    f"{timezone.localtime(e.created_at):%Y-%m-%d %H:%M}",
                    e.action,
                    # An override of the check-in hours says why, where it is read.
                    f": {e.detail['reason']}" if e.detail.get("reason") else "",
                    e.actor.email if e.actor else _("attendee or system"),
                )
                for e in entries
            ),
        )
        return format_html('<ul class="roster-history">{}</ul>', rows)

    def save_model(self, request, obj, form, change):
        roster_service.update_registration_details(registration=obj, actor=request.user)

    # --- actions ------------------------------------------------------------
    def _run(self, request, queryset, service: Callable, done: Callable[[int], str]) -> None:
        """Apply one service per selected registration; count what it refused and why."""
        run_on_each(
            request,
            queryset.values_list("pk", flat=True),
            lambda pk: service(registration_id=pk, actor=request.user),
            refusals=REFUSALS,
            done=done,
        )

    def _ask(self, request, queryset, form, *, action: str, title: str, **extra):
        """The page of an action that asks for something first (a message, a reason):
        templates/admin/events/registration/<action>.html, which posts back to it."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            **extra,
        }
        return TemplateResponse(request, f"admin/events/registration/{action}.html", context)

    @admin.action(description=gettext_lazy("Check in"), permissions=["change"])
    def check_in_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            checkin.check_in,
            lambda n: ngettext("%(n)d checked in", "%(n)d checked in", n) % {"n": n},
        )

    @admin.action(description=gettext_lazy("Mark attended"), permissions=["change"])
    def mark_attended(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda **kw: checkin.mark_attended(attended=True, **kw),
            lambda n: ngettext("%(n)d marked attended", "%(n)d marked attended", n) % {"n": n},
        )

    @admin.action(
        description=gettext_lazy("Mark attended, with a reason (any time)"),
        permissions=["change"],
    )
    def mark_attended_with_reason(self, request, queryset):
        """The organizer's override of the check-in hours: asks for a reason first."""
        form = AttendanceReasonForm(request.POST if "record_attendance" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run(
                request,
                queryset,
                lambda **kw: checkin.mark_attended(
                    attended=True, reason=form.cleaned_data["reason"], **kw
                ),
                lambda n: ngettext("%(n)d marked attended", "%(n)d marked attended", n) % {"n": n},
            )
            return None
        return self._ask(
            request,
            queryset,
            form,
            action="mark_attended_with_reason",
            title=_("Mark attended, with a reason"),
            selected=queryset.count(),
        )

    @admin.action(description=gettext_lazy("Mark not attended"), permissions=["change"])
    def mark_not_attended(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda **kw: checkin.mark_attended(attended=False, **kw),
            lambda n: (
                ngettext("%(n)d marked not attended", "%(n)d marked not attended", n) % {"n": n}
            ),
        )

    @admin.action(description=gettext_lazy("Promote from the waiting list"), permissions=["change"])
    def promote_selected(self, request, queryset):
        # Earliest on the list first, so a partial promotion stays first come, first served.
        self._run(
            request,
            queryset.order_by("waitlisted_at", "id"),
            promote_registration,
            lambda n: ngettext("%(n)d promoted", "%(n)d promoted", n) % {"n": n},
        )

    @admin.action(
        description=gettext_lazy("Cancel (the attendee is notified)"), permissions=["change"]
    )
    def cancel_selected(self, request, queryset):
        skipped = Counter()
        active = queryset.exclude(status=Registration.Status.CANCELLED)
        skipped[_("already cancelled")] = queryset.count() - active.count()
        count = 0
        for pk in active.values_list("pk", flat=True):
            # Organizers may cancel after the start (a no-show), unlike attendees.
            cancel_registration(registration_id=pk, actor=request.user, allow_after_start=True)
            count += 1
        report(
            request,
            done=ngettext("%(n)d cancelled", "%(n)d cancelled", count) % {"n": count},
            skipped=+skipped,
        )

    @admin.action(description=gettext_lazy("Resend the confirmation"), permissions=["change"])
    def resend_confirmation(self, request, queryset):
        self._run(
            request,
            queryset,
            roster_service.resend_confirmation,
            lambda n: (
                ngettext("%(n)d confirmation resent", "%(n)d confirmations resent", n) % {"n": n}
            ),
        )

    @admin.action(description=gettext_lazy("Email the selected people"), permissions=["change"])
    def email_selected(self, request, queryset):
        form = OrganizerMessageForm(request.POST if "send_message" in request.POST else None)
        if form.is_bound and form.is_valid():
            variant = roster_service.new_message_variant()
            self._run(
                request,
                queryset,
                lambda **kw: roster_service.message_registrant(
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    variant=variant,
                    **kw,
                ),
                lambda n: ngettext("%(n)d message queued", "%(n)d messages queued", n) % {"n": n},
            )
            return None
        return self._ask(
            request,
            queryset,
            form,
            action="email_selected",
            title=_("Email the selected people"),
            recipients=queryset.exclude(status=Registration.Status.CANCELLED).count(),
        )

    @admin.action(description=gettext_lazy("Issue certificates"), permissions=["change"])
    def issue_certificates(self, request, queryset):
        """Queue the selection on the worker (one run per session) and link each run's
        progress page: drawing hundreds of PDFs here would outlast the request."""
        runs = request_selection_issuance(
            registration_ids=list(queryset.order_by().values_list("pk", flat=True)),
            actor=request.user,
        )
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:events_certificate_issuance_run", args=[run.pk]), str(run))
                for run in runs
            ),
        )
        messages.success(
            request,
            format_html(
                "{} {}",
                _("Issuing the certificates in the background; follow the progress here:"),
                links,
            ),
        )

    @admin.action(description=gettext_lazy("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return exports.csv_response(queryset, filename=self._export_name())

    @admin.action(description=gettext_lazy("Export as XLSX"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._xlsx_or_refuse(request, queryset)

    # --- exports of the filtered list ---------------------------------------------
    @staticmethod
    def _export_name() -> str:
        return f"roster-{timezone.localdate():%Y-%m-%d}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_filtered_csv), name="events_roster_csv"),
            path("export.xlsx", view(self.export_filtered_xlsx), name="events_roster_xlsx"),
            *super().get_urls(),
        ]

    def _filtered(self, request):
        """The changelist's own queryset: scoped, then filtered and searched as shown."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.get_changelist_instance(request).get_queryset(request)

    def export_filtered_csv(self, request):
        return exports.csv_response(self._filtered(request), filename=self._export_name())

    def export_filtered_xlsx(self, request):
        return self._xlsx_or_refuse(request, self._filtered(request))

    def _xlsx_or_refuse(self, request, queryset):
        if queryset.count() > exports.XLSX_MAX_ROWS:
            messages.warning(
                request,
                _("This list is too long for XLSX (over %(max)d rows). Export it as CSV.")
                % {"max": exports.XLSX_MAX_ROWS},
            )
            return redirect(reverse("admin:events_registration_changelist"))
        return exports.xlsx_response(queryset, filename=self._export_name())

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        suffix = f"?{query}" if query else ""
        session = self._one_session(request)
        extra_context = {
            **(extra_context or {}),
            "subtitle": str(session) if session else None,
            "export_csv_url": reverse("admin:events_roster_csv") + suffix,
            "export_xlsx_url": reverse("admin:events_roster_xlsx") + suffix,
        }
        return super().changelist_view(request, extra_context)


@admin.register(AuditEntry)
class AuditEntryAdmin(OrganizerScopedAdmin):
    """The audit trail, read-only: who changed which roster entry, when and how."""

    list_display = ["created_at", "actor", "action", "session", "registration", "detail"]
    list_filter = ["action", SessionFilter]
    search_fields = ["registration__full_name", "registration__email", "actor__email"]
    list_select_related = ["actor", "session__training", "registration"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False

    def scoped_queryset(self, request):
        return scope.audit_for_organizer(request.user)

    def session_id_of(self, obj) -> int:
        return obj.session_id

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
