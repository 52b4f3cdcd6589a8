from typing import Any

from events.models import AuditEntry, Registration, TrainingSession


def audit_entry(
    *,
    action: str,
    actor=None,
    registration: Registration | None = None,
    session: TrainingSession | None = None,
    **detail: Any,
) -> AuditEntry:
    """One line of the audit trail, not yet saved (for writing many with bulk_create)."""
    if session is None and registration is not None:
        session = registration.session
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=actor, session=session, registration=registration, action=action, detail=detail
    )


def record_audit(*, action: str, **fields: Any) -> AuditEntry:
    """Write one line of the audit trail (who did what to which roster entry).

    Takes what audit_entry takes: actor, registration, session and the detail.
    """
    entry = audit_entry(action=action, **fields)
    entry.save(force_insert=True)
    return entry
