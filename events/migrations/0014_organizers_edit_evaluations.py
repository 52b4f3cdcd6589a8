"""Organizers edit their trainings' questionnaires and read the results."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Organizers"
PERMISSIONS = [
    ("events", "view_questionnaire"),
    ("events", "add_questionnaire"),
    ("events", "change_questionnaire"),
    ("events", "view_question"),
    ("events", "add_question"),
    ("events", "change_question"),
    ("events", "delete_question"),
    ("events", "view_choice"),
    ("events", "add_choice"),
    ("events", "change_choice"),
    ("events", "delete_choice"),
    ("events", "view_gateoverride"),
    ("events", "add_gateoverride"),
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="events",
                codename__in=[codename for _, codename in PERMISSIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0013_evaluations")]
    operations = [migrations.RunPython(grant, revoke)]
