"""The roster: registrations and the audit trail."""

from django.contrib import admin

from events.models import AuditEntry, Registration


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "organization", "sector", "status", "checked_in_at", "attended"]
    list_filter = ["status", "sector", "attended"]
    search_fields = ["full_name", "email", "organization"]
    list_select_related = ["sector", "session__training"]
    raw_id_fields = ["session", "user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "session", "registration"]
    list_filter = ["action"]
    list_select_related = ["actor", "session__training", "registration"]
