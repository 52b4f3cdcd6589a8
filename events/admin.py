"""Organizer tools in the Django admin (expanded by the roster work)."""

from django.contrib import admin

from events.models import (
    AuditEntry,
    Certificate,
    Notification,
    Registration,
    Sector,
    Training,
    TrainingSession,
)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "active"]
    list_editable = ["order", "active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["title", "hosts", "credit_hours"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["target_sectors"]
    search_fields = ["title"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "starts_at", "city", "capacity", "status"]
    list_filter = ["status", "city"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["organizers"]
    autocomplete_fields = ["training"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "organization", "sector", "status", "checked_in_at", "attended"]
    list_filter = ["status", "sector", "attended"]
    search_fields = ["full_name", "email", "organization"]
    list_select_related = ["sector", "session__training"]
    raw_id_fields = ["session", "user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["registration", "kind", "variant", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["registration"]
    raw_id_fields = ["registration"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["display_code", "name_printed", "training_title", "issued_at", "revoked_at"]
    raw_id_fields = ["registration"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "session", "registration"]
    list_filter = ["action"]
    list_select_related = ["actor", "session__training", "registration"]
