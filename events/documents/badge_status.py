"""The revocation status list: a W3C Bitstring Status List credential, signed as a VC-JWT.

One bit per certificate's index, 1 for revoked. The bits are packed most significant
first (bit 0 is the high bit of byte 0), GZIP-compressed and written as multibase
base64url without padding ("u" prefix), as the Bitstring Status List spec says. Each
list has 131,072 entries, the spec's minimum, so a verifier's fetch does not tell us
which credential it checks.
"""

import base64
import gzip

from django.utils import timezone

from events.documents import badge_keys
from events.documents.badges import iso_time, sign, status_list_url
from events.selectors.badges import STATUS_LIST_SIZE

CONTEXT = ["https://www.w3.org/ns/credentials/v2"]


def encoded_list(positions: list[int], *, size: int = STATUS_LIST_SIZE) -> str:
    """The positions set to 1 in a bitstring of `size` bits, compressed and encoded."""
    bits = bytearray(size // 8)
    for position in positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    # mtime=0: the same revocations give the same bytes, whenever they are encoded.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def status_list_credential(list_number: int, revoked_positions: list[int]) -> dict:
    """The BitstringStatusListCredential for one list, valid from now."""
    url = status_list_url(list_number)
    return {
        "@context": CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": badge_keys.issuer_did(),
        "validFrom": iso_time(timezone.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked_positions),
        },
    }


def signed_status_list(list_number: int, revoked_positions: list[int]) -> str:
    """The status list credential as a VC-JWT (typ vc+jwt, per VC-JOSE-COSE)."""
    return sign(status_list_credential(list_number, revoked_positions), typ="vc+jwt")
