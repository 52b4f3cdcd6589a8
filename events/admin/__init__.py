"""The organizer admin, one module per area."""

from . import catalog, certificates, outbox, roster  # noqa: F401
