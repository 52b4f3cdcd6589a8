from typing import Any

from events.models import AuditEntry, Registration, TrainingSession


def record_audit(
    *,
    action: str,
    actor=None,
    registration: Registration | None = None,
    session: TrainingSession | None = None,
    **detail: Any,
) -> AuditEntry:
    """Write one line of the audit trail (who did what to which roster entry)."""
    if session is None and registration is not None:
        session = registration.session
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor, session=session, registration=registration, action=action, detail=detail
    )
