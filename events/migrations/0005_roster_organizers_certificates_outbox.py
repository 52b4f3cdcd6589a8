"""This migration granted the organizers the certificate and outbox permissions.

The grant now lives in one place, events/permissions.py, applied after every migrate
(post_migrate): this step does nothing, and stays so that the migration history is
unchanged for databases that ran it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("events", "0004_outbox_next_attempt")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
