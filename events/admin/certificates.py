"""Certificates of attendance."""

from django.contrib import admin

from events.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["display_code", "name_printed", "training_title", "issued_at", "revoked_at"]
    raw_id_fields = ["registration"]
