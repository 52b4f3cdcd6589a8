"""The organizer admin, one module per area."""

from . import catalog, certificates, notifications, roster  # noqa: F401
