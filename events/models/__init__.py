from .audit import AuditEntry
from .catalog import Sector, Training, TrainingSession
from .certificates import Certificate, CertificateIssuance, CertificateIssuanceItem
from .checkin import CheckInScan
from .evaluations import Answer, Choice, Completion, GateOverride, Question, Questionnaire, Response
from .notifications import Notification
from .registrations import Registration

__all__ = [
    "Answer",
    "AuditEntry",
    "Certificate",
    "CertificateIssuance",
    "CertificateIssuanceItem",
    "CheckInScan",
    "Choice",
    "Completion",
    "GateOverride",
    "Notification",
    "Question",
    "Questionnaire",
    "Registration",
    "Response",
    "Sector",
    "Training",
    "TrainingSession",
]
