"""Open Badges 3.0: a certificate as an OpenBadgeCredential, plain (JSON-LD) or signed.

The signed form is a VC-JWT as Open Badges 3.0 specifies it ("JSON Web Token Proof
Format"): a compact JWS signed with EdDSA (Ed25519), whose payload is the credential
itself plus the claims iss (issuer.id), jti (id) and nbf (validFrom), and whose header
names the key (kid, a DID URL into /.well-known/did.json) and typ "JWT". The credential
carries a Bitstring Status List entry, and the status list is itself a signed VC-JWT
(events/documents/badge_status.py).
"""

import hashlib
import hmac
import warnings
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import SecurityWarning

from events.documents import badge_keys
from events.documents.pdf.certificate import format_hours
from events.models import Certificate
from events.models.addresses import normalize_email_address
from events.selectors.badges import STATUS_LIST_SIZE

# RFC 9864 deprecates the name "EdDSA" in favour of "Ed25519", and joserfc warns on
# each use. Open Badges verifiers and JOSE libraries know "EdDSA"; few know the new
# name yet, so we keep it and silence that one warning.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)
ALGORITHM = "EdDSA"

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
# validFrom's form: UTC, whole seconds.
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso_time(moment: datetime) -> str:
    """A moment as an XML Schema dateTime in UTC, to the second."""
    return moment.astimezone(UTC).strftime(DATETIME_FORMAT)


def _numeric_date(moment: datetime) -> int:
    """JWT NumericDate, whole seconds like iso_time(), so nbf equals validFrom exactly."""
    return int(moment.timestamp())


def status_list_url(list_number: int) -> str:
    return settings.SITE_URL + reverse("events:badge_status_list", args=[list_number])


def status_entry(index: int) -> dict:
    """The credential's BitstringStatusListEntry: which bit of which list revokes it."""
    list_number, position = divmod(index, STATUS_LIST_SIZE)
    url = status_list_url(list_number)
    return {
        "id": f"{url}#{position}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(position),
        "statusListCredential": url,
    }


def sign(credential: dict, *, typ: str = "JWT") -> str:
    """A credential as a compact JWS: its members plus iss, jti and nbf, signed EdDSA."""
    key = badge_keys.signing_key()
    issuer = credential["issuer"]
    valid_from = datetime.strptime(credential["validFrom"], DATETIME_FORMAT)
    claims = {
        **credential,
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "nbf": _numeric_date(valid_from.replace(tzinfo=UTC)),
    }
    header = {"alg": ALGORITHM, "kid": badge_keys.key_id(key), "typ": typ}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


def recipient_salt(certificate: Certificate) -> str:
    """A per-certificate salt, stable across downloads, that reveals nothing by itself."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"badge-salt:{certificate.code}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:16]


def hashed_email(email: str, salt: str) -> str:
    """Open Badges identity hash: "sha256$" + hex(sha256(email + salt))."""
    normalized = normalize_email_address(email)
    return "sha256$" + hashlib.sha256(f"{normalized}{salt}".encode()).hexdigest()


def open_badge_credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential for a certificate; the recipient is named by a salted email hash.

    The certificate must have its status-list index (services.badges.ensure_status_index).
    """
    registration = certificate.registration
    site = settings.SITE_URL
    session_url = site + registration.session.get_absolute_url()
    salt = recipient_salt(certificate)
    hours = format_hours(certificate.credit_hours)
    return {
        "@context": CONTEXT,
        "id": certificate.get_verify_url(),
        "type": CREDENTIAL_TYPE,
        "name": certificate.training_title,
        "issuer": {
            "id": badge_keys.issuer_did(),
            "type": ["Profile"],
            "name": certificate.hosts,
            "url": site + "/",
        },
        "validFrom": iso_time(certificate.issued_at),
        "credentialStatus": status_entry(certificate.status_list_index),
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


def signed_open_badge(certificate: Certificate) -> str:
    """The OpenBadgeCredential as a VC-JWT (compact JWS)."""
    return sign(open_badge_credential(certificate))
