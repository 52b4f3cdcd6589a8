"""The catalogue's entries: trainings and sectors, which every public page shows.

Saved and deleted here (the admin calls these), so that each change marks every stored
public page stale once it commits (services/public_pages.py).
"""

from django.db import transaction
from django.db.models import Model, QuerySet

from .public_pages import public_pages_changed


def save_catalog_entry(*, entry: Model) -> Model:
    """Save a training or a sector; its many-to-many fields may be saved after, in the
    same transaction (the admin does), before the pages are marked stale at commit."""
    with transaction.atomic():
        entry.save()
        public_pages_changed(catalog=True)
    return entry


def delete_catalog_entries(*, entries: QuerySet) -> int:
    """Delete trainings or sectors; returns how many rows went, cascades included."""
    with transaction.atomic():
        deleted, _by_model = entries.delete()
        public_pages_changed(catalog=True)
    return deleted
