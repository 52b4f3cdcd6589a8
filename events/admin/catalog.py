"""Catalogue admin: sectors, trainings and sessions."""

from django.contrib import admin

from events.models import Sector, Training, TrainingSession


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
