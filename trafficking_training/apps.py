from django.contrib.admin.apps import AdminConfig


class OrganizerAdminConfig(AdminConfig):
    """Django's admin, its first page the organizer home (trafficking_training/admin_site.py)."""

    default_site = "trafficking_training.admin_site.OrganizerAdminSite"
