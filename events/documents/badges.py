"""Open Badges 3.0: a certificate as an OpenBadgeCredential (JSON-LD).

The credential is not signed yet (no proof): a consumer must check it against the
public verification page named in its id. The README says so.
"""

import hashlib
import hmac
from datetime import UTC

from django.conf import settings
from django.utils.translation import gettext as _

from events.documents.pdf.certificate import format_hours
from events.models import Certificate
from events.services.certificates import verify_url

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def recipient_salt(certificate: Certificate) -> str:
    """A per-certificate salt, stable across downloads, that reveals nothing by itself."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"badge-salt:{certificate.code}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:16]


def hashed_email(email: str, salt: str) -> str:
    """Open Badges identity hash: "sha256$" + hex(sha256(email + salt))."""
    normalized = (email or "").strip().lower()
    return "sha256$" + hashlib.sha256(f"{normalized}{salt}".encode()).hexdigest()


def open_badge_credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential for a certificate; the recipient is named by a salted email hash."""
    registration = certificate.registration
    site = settings.SITE_URL
    session_url = site + registration.session.get_absolute_url()
    salt = recipient_salt(certificate)
    hours = format_hours(certificate.credit_hours)
    return {
        "@context": CONTEXT,
        "id": verify_url(certificate),
        "type": CREDENTIAL_TYPE,
        "name": certificate.training_title,
        "issuer": {
            "id": site + "/",
            "type": ["Profile"],
            "name": certificate.hosts,
            "url": site + "/",
        },
        "validFrom": _iso(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": hashed_email(registration.email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": session_url + "#achievement",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": certificate.training_title,
                "description": _("Attended %(training)s, presented by %(hosts)s.")
                % {"training": certificate.training_title, "hosts": certificate.hosts},
                "criteria": {
                    "narrative": _(
                        "Attended the whole session and was checked in by the organizers "
                        "(%(hours)s credit hours)."
                    )
                    % {"hours": hours}
                },
                "creditsAvailable": float(certificate.credit_hours),
            },
        },
    }
