"""PostgreSQL's unaccent extension, for searching names without their accents.

A trusted extension since PostgreSQL 13: the database's owner may create it. On SQLite
the operation does nothing; events/selectors/text_search.py gives SQLite its own.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("events", "0008_walk_ins_without_email")]

    operations = [UnaccentExtension()]
