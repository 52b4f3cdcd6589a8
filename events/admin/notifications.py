"""The notification outbox: what was sent, what is waiting, and what failed (with "retry now")."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.models import Notification
from events.services.notification_recovery import retry_failed_notifications

from .scoping import RegistrationRowScopedAdmin, RegistrationSessionFilter


@admin.register(Notification)
class NotificationAdmin(RegistrationRowScopedAdmin):
    list_display = [
        "registration",
        "recipient",
        "session",
        "kind",
        "variant",
        "status",
        "attempts",
        "short_error",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "kind", RegistrationSessionFilter]
    search_fields = ["registration__email", "registration__full_name", "user__email"]
    list_select_related = ["registration__session__training", "user"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [
        "registration",
        "user",
        "kind",
        "variant",
        "status",
        "payload",
        "attempts",
        "last_error",
        "claimed_at",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]

    @admin.display(description=_("email"), ordering="registration__email")
    def recipient(self, obj: Notification) -> str:
        return obj.recipient_email

    @admin.display(description=_("session"))
    def session(self, obj: Notification) -> str:
        # An account email is about the account, not a session.
        return str(obj.registration.session) if obj.registration_id else "–"

    @admin.display(description=_("last error"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry now (failed emails only)"), permissions=["change"])
    def retry_now(self, request, queryset) -> None:
        ids = retry_failed_notifications(
            notification_ids=list(queryset.values_list("pk", flat=True))
        )
        skipped = queryset.count() - len(ids)
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", len(ids))
            % {"count": len(ids)},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected email was not failed and was left alone.",
                    "%(count)d selected emails were not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
