"""The organizer admin, one module per area."""

from . import catalog, certificates, evaluations, notifications, roster  # noqa: F401
