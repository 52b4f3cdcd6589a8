"""The notification outbox: what was sent, what is waiting, and what failed (with "retry now")."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.models import Notification
from events.services.notification_recovery import retry_failed_notifications

from .labels import session_label, short_time, truncated
from .scoping import RegistrationRowScopedAdmin, RegistrationSessionFilter

# Characters of the last error and of the address shown in the list (all of it in the
# title and on the row's page): the list must fit 1280 px beside its filters.
ERROR_SHOWN = 30
EMAIL_SHOWN = 22


@admin.register(Notification)
class NotificationAdmin(RegistrationRowScopedAdmin):
    list_display = [
        "registration",
        "recipient",
        "session",
        "kind_and_variant",
        "status",
        "attempts",
        "short_error",
        "next_attempt",
        "sent",
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
        return truncated(obj.recipient_email, EMAIL_SHOWN)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_and_variant(self, obj: Notification) -> str:
        # "Reminder (7d)": the variant tells the reminders and organizer messages apart.
        kind = obj.get_kind_display()
        return f"{kind} ({obj.variant})" if obj.variant else kind

    @admin.display(description=_("session"))
    def session(self, obj: Notification) -> str:
        # An account email is about the account, not a session.
        return session_label(obj.registration.session) if obj.registration_id else "–"

    @admin.display(description=_("last error"))
    def short_error(self, obj: Notification) -> str:
        return truncated(obj.last_error, ERROR_SHOWN)

    @admin.display(description=_("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, obj: Notification) -> str:
        return short_time(obj.next_attempt_at)

    @admin.display(description=_("sent"), ordering="sent_at")
    def sent(self, obj: Notification) -> str:
        return short_time(obj.sent_at)

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
