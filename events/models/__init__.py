from .audit import AuditEntry
from .catalog import Sector, Training, TrainingSession
from .certificates import Certificate, CertificateIssuance, CertificateIssuanceItem
from .checkin import CheckInScan
from .evaluations import Answer, Choice, Completion, GateOverride, Question, Questionnaire, Response
from .notifications import Notification
from .offers import Offer
from .registrations import Registration
from .seat_holds import SeatHold

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
    "Offer",
    "Question",
    "Questionnaire",
    "Registration",
    "Response",
    "SeatHold",
    "Sector",
    "Training",
    "TrainingSession",
]
