from .audit import AuditEntry
from .catalog import Sector, Training, TrainingSession
from .certificates import Certificate
from .checkin import CheckInScan
from .notifications import Notification
from .registrations import Registration

__all__ = [
    "AuditEntry",
    "Certificate",
    "CheckInScan",
    "Notification",
    "Registration",
    "Sector",
    "Training",
    "TrainingSession",
]
