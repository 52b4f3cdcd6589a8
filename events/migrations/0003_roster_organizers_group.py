"""This migration created the "Organizers" group with its first permissions.

The grant now lives in one place, events/permissions.py, applied after every migrate
(post_migrate): this step does nothing, and stays so that the migration history is
unchanged for databases that ran it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_seed_sectors"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
