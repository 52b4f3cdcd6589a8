"""Small accessibility fixes to the admin's own widgets, shared by the admin classes."""

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext_lazy as _


def name_datetime_parts(field):
    """Give a split date/time field's two inputs their own accessible names.

    The admin's split inputs share one label that names neither: each gets its own
    ("Starts at: date", "Starts at: time"). Other fields are returned as they are.
    """
    widget = getattr(field, "widget", None)
    parts = getattr(widget, "widgets", ())
    if isinstance(widget, AdminSplitDateTime) and len(parts) == 2:
        date_input, time_input = parts
        date_input.attrs["aria-label"] = f"{field.label}: {_('date')}"
        time_input.attrs["aria-label"] = f"{field.label}: {_('time')}"
    return field
