"""Who may reach what: the one place that decides which sessions a user may manage.

The admin (session, roster and audit pages, autocomplete, exports, impact report,
evaluation results) and the door check-in page all start from these querysets, so an
organizer of session A can never reach session B's people through any of them.
"""

from django.db.models import QuerySet

from events.models import (
    AuditEntry,
    CertificateIssuance,
    Registration,
    Training,
    TrainingSession,
)

from .catalog import with_counts


def can_see_all(user) -> bool:
    return bool(user.is_active and user.is_superuser)


def sessions_for_organizer(user) -> QuerySet[TrainingSession]:
    """Sessions the user organizes; every session for a superuser, none for non-staff."""
    sessions = TrainingSession.objects.all()
    if can_see_all(user):
        return sessions
    if not (user.is_active and user.is_staff):
        return sessions.none()
    return sessions.filter(organizers=user)


def registrations_for_organizer(user) -> QuerySet[Registration]:
    """Registrations in the user's sessions (a subquery, so no join duplicates rows)."""
    registrations = Registration.objects.all()
    if can_see_all(user):
        return registrations
    return registrations.filter(session__in=sessions_for_organizer(user).values("pk"))


def rows_of_registrations_for_organizer(queryset: QuerySet, user) -> QuerySet:
    """Rows hanging off a registration (certificates, outbox) in the user's sessions."""
    if can_see_all(user):
        return queryset
    return queryset.filter(registration__session__in=sessions_for_organizer(user).values("pk"))


def audit_for_organizer(user) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if can_see_all(user):
        return entries
    return entries.filter(session__in=sessions_for_organizer(user).values("pk"))


def issuances_for_organizer(user) -> QuerySet[CertificateIssuance]:
    """Certificate issuance runs of the user's sessions, whoever requested them."""
    runs = CertificateIssuance.objects.all()
    if can_see_all(user):
        return runs
    return runs.filter(session__in=sessions_for_organizer(user).values("pk"))


def session_list_for_organizer(user) -> QuerySet[TrainingSession]:
    """The session changelist: scoped, with confirmed/waitlisted/attended counts in one query."""
    return with_counts(sessions_for_organizer(user).select_related("training"))


def trainings_for_organizer(user) -> QuerySet[Training]:
    """Trainings with at least one session the user organizes (all for a superuser)."""
    trainings = Training.objects.all()
    if can_see_all(user):
        return trainings
    return trainings.filter(pk__in=sessions_for_organizer(user).values("training_id"))
