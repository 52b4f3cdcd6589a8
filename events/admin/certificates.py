"""Certificates of attendance: the list, revoke/reissue, and session-wide issuance progress.

Issuing single certificates is a roster action (events/admin/roster.py). This module
adds what is certificate-wide: revoking with a reason, reissuing after a correction,
and the "Issuance" page that starts a background run per session and shows its
progress as issued / total.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from events.models import Certificate
from events.models.tokens import normalize_code
from events.selectors import certificates as certificate_selectors
from events.selectors import scope
from events.services import certificate_issuance
from events.services import certificates as certificate_service

from .actions import run_on_each
from .scoping import RegistrationRowScopedAdmin, RegistrationSessionFilter

# Runs listed on the issuance page, newest first, each linking its progress page.
RECENT_RUNS = 10


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("Shown to staff only; the verify page shows the date."),
    )


@admin.register(Certificate)
class CertificateAdmin(RegistrationRowScopedAdmin):
    list_display = [
        "display_code",
        "name_printed",
        "training_title",
        "session_starts_at",
        "issued_at",
        "status",
        "download",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), RegistrationSessionFilter]
    search_fields = ["name_printed", "training_title", "=code"]
    date_hierarchy = "issued_at"
    list_select_related = ["registration"]
    readonly_fields = [
        "display_code",
        "status",
        "download",
        "name_printed",
        "training_title",
        "session_starts_at",
        "session_ends_at",
        "session_timezone",
        "place",
        "credit_hours",
        "hosts",
        "signatory_name",
        "signatory_title",
        "issued_at",
        "revoked_at",
        "revoked_reason",
    ]
    fields = readonly_fields
    actions = ["revoke_selected", "reissue_selected"]
    change_list_template = "events/certificates/admin_change_list.html"

    def get_search_results(self, request, queryset, search_term):
        # Codes are typed with dashes and in any case; search the stored form.
        code = normalize_code(search_term)
        if code:
            return queryset.filter(code=code), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=gettext_lazy("status"), ordering="revoked_at")
    def status(self, obj: Certificate) -> str:
        if obj.is_valid:
            return _("Valid")
        return _("Revoked on %(date)s") % {"date": f"{obj.revoked_at:%Y-%m-%d}"}

    @admin.display(description=gettext_lazy("PDF"))
    def download(self, obj: Certificate) -> str:
        if not obj.is_valid:
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("events:certificate_download", args=[obj.display_code]),
            _("Download"),
        )

    @admin.action(description=gettext_lazy("Revoke selected certificates"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            run_on_each(
                request,
                queryset.values_list("registration_id", flat=True),
                lambda pk: certificate_service.revoke_certificate(
                    registration_id=pk, reason=form.cleaned_data["reason"], actor=request.user
                ),
                refusals=(certificate_service.CertificateRefused,),
                done=lambda n: (
                    ngettext("%(n)d certificate revoked", "%(n)d certificates revoked", n)
                    % {"n": n}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revoke certificates"),
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "events/certificates/admin_revoke.html", context)

    @admin.action(
        description=gettext_lazy("Reissue selected certificates (refresh name and details)"),
        permissions=["change"],
    )
    def reissue_selected(self, request, queryset):
        run_on_each(
            request,
            queryset.values_list("registration_id", flat=True),
            lambda pk: certificate_service.reissue_certificate(
                registration_id=pk, actor=request.user
            ),
            refusals=(certificate_service.CertificateRefused,),
            done=lambda n: (
                ngettext("%(n)d certificate reissued", "%(n)d certificates reissued", n) % {"n": n}
            ),
        )

    # --- Session-wide issuance with progress --------------------------------------
    def get_urls(self):
        urls = [
            path(
                "issuance/",
                self.admin_site.admin_view(self.issuance_view),
                name="events_certificate_issuance",
            ),
            path(
                "issuance/runs/<int:issuance_id>/",
                self.admin_site.admin_view(self.issuance_run_view),
                name="events_certificate_issuance_run",
            ),
            path(
                "issuance/<str:public_id>/start/",
                self.admin_site.admin_view(require_POST(self.start_issuance_view)),
                name="events_certificate_issuance_start",
            ),
        ]
        return urls + super().get_urls()

    def _sessions(self, request):
        scoped = scope.sessions_for_organizer(request.user).values("pk")
        return certificate_selectors.sessions_with_progress().filter(pk__in=scoped)

    def issuance_view(self, request: HttpRequest) -> HttpResponse:
        """Ended sessions with issued / total, and a button to issue what is owed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        sessions = list(self._sessions(request)[:100])
        recent_runs = (
            scope.issuances_for_organizer(request.user)
            .select_related("session__training")
            .order_by("-created_at", "-id")[:RECENT_RUNS]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Certificate issuance"),
            "opts": self.model._meta,
            "sessions": sessions,
            "recent_runs": recent_runs,
            "can_issue": self.has_change_permission(request),
        }
        return TemplateResponse(request, "events/certificates/admin_issuance.html", context)

    def start_issuance_view(self, request: HttpRequest, public_id: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        session = (
            scope.sessions_for_organizer(request.user)
            .filter(public_id=public_id[:16])
            .select_related("training")
            .first()
        )
        if session is None:
            raise Http404(_("Not found, or not one of your sessions."))
        try:
            run = certificate_issuance.request_session_issuance(
                session_id=session.pk, actor=request.user
            )
        except certificate_service.CertificateRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(reverse("admin:events_certificate_issuance"))
        messages.success(
            request,
            _("Issuing certificates for %(session)s in the background.") % {"session": session},
        )
        return redirect(reverse("admin:events_certificate_issuance_run", args=[run.pk]))

    def issuance_run_view(self, request: HttpRequest, issuance_id: int) -> HttpResponse:
        """One run's progress ("Certificate issuance #12"), refreshing itself until done."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = (
            scope.issuances_for_organizer(request.user)
            .select_related("session__training", "requested_by")
            .filter(pk=issuance_id)
            .first()
        )
        if run is None:
            raise Http404(_("Not found, or not one of your sessions."))
        progress = certificate_selectors.issuance_progress(run)
        context = {
            **self.admin_site.each_context(request),
            "title": str(run),
            "opts": self.model._meta,
            "run": run,
            "progress": progress,
            # The catalogue translates the stored reasons (written in the site's language).
            "reasons": [(_(reason), count) for reason, count in progress.reasons],
        }
        return TemplateResponse(request, "events/certificates/admin_issuance_run.html", context)
