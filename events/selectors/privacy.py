"""Reads for privacy: everything we hold about a person, for their data export."""

from datetime import datetime

from django.db.models import Q

from events.models import Certificate, Registration, Response


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def personal_data_for(*, user) -> dict:
    """Everything we hold about a signed-in user, as JSON-ready data (the export)."""
    # Every registration tied to the account, cancelled ones included, plus those made
    # without an account under the verified email (as the dashboard shows them).
    mine = Q(user=user)
    if user.email_verified_at is not None:
        mine |= Q(email=user.email)
    registrations = list(
        Registration.objects.filter(mine)
        .select_related("session__training", "sector")
        .order_by("created_at", "id")
    )
    certificates = {
        c.registration_id: c for c in Certificate.objects.filter(registration__in=registrations)
    }
    responses: dict[int, list[Response]] = {}
    for response in (
        Response.objects.filter(registration__in=registrations)
        .prefetch_related("answers__question", "answers__choices")
        .order_by("phase")
    ):
        responses.setdefault(response.registration_id, []).append(response)
    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "organization": user.organization,
            "sector": user.default_sector.name if user.default_sector_id else None,
            "job_title": user.job_title,
            "email_verified_at": _iso(user.email_verified_at),
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "registrations": [
            {
                "training": r.session.training.title,
                "session_starts_at": _iso(r.session.starts_at),
                "session_ends_at": _iso(r.session.ends_at),
                "city": r.session.city,
                "state": r.session.state,
                "full_name": r.full_name,
                "email": r.email,
                "organization": r.organization,
                "sector": r.sector.name,
                "job_title": r.job_title,
                "accommodations": r.accommodations,
                "status": r.status,
                "consented_at": _iso(r.consented_at),
                "registered_at": _iso(r.created_at),
                "waitlisted_at": _iso(r.waitlisted_at),
                "confirmed_at": _iso(r.confirmed_at),
                "cancelled_at": _iso(r.cancelled_at),
                "checked_in_at": _iso(r.checked_in_at),
                "attended": r.attended,
                "reminders_opt_out": r.reminders_opt_out,
                "certificate": _certificate_data(certificates.get(r.pk)),
                "evaluations": [_response_data(response) for response in responses.get(r.pk, [])],
            }
            for r in registrations
        ],
    }


def _certificate_data(certificate: Certificate | None) -> dict | None:
    if certificate is None:
        return None
    return {
        "code": certificate.display_code,
        "name_printed": certificate.name_printed,
        "training": certificate.training_title,
        "credit_hours": str(certificate.credit_hours),
        "issued_at": _iso(certificate.issued_at),
        "revoked_at": _iso(certificate.revoked_at),
    }


def _response_data(response: Response) -> dict:
    """One phase's answers, each with the question it answered, for the data export."""
    return {
        "phase": response.phase,
        "submitted_at": _iso(response.submitted_at),
        "updated_at": _iso(response.updated_at),
        "score": str(response.score) if response.score is not None else None,
        "answers": [
            {
                "question": answer.question.text,
                "scale_value": answer.scale_value,
                "choices": [choice.text for choice in answer.choices.all()],
                "text": answer.text,
            }
            for answer in response.answers.all()
        ],
    }
