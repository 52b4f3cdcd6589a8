"""The notification outbox."""

from django.contrib import admin

from events.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["registration", "kind", "variant", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["registration"]
    raw_id_fields = ["registration"]
