"""The "Organizers" group: staff who run their own sessions and rosters.

The admin narrows every list to the sessions a user organizes; these model
permissions decide which pages an organizer may open at all. They get no
delete permission and cannot add registrations (those come from the public
form), and no access to certificates or the outbox, which are not scoped.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Organizers"
PERMISSIONS = [
    ("events", "view_sector"),
    ("events", "view_training"),
    ("events", "add_trainingsession"),
    ("events", "change_trainingsession"),
    ("events", "view_trainingsession"),
    ("events", "change_registration"),
    ("events", "view_registration"),
    ("events", "view_auditentry"),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); a
    # fresh database needs them now, so create them for these apps first.
    for label in ("events",):
        app_config = apps.get_app_config(label)
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


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_seed_sectors"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
