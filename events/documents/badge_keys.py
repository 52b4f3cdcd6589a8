"""The key that signs Open Badges credentials, and the public keys we publish.

One Ed25519 key signs (BADGE_SIGNING_KEY, a PEM or a private JWK, or the file named by
BADGE_SIGNING_KEY_FILE). Its public half and those of retired keys
(BADGE_RETIRED_KEYS_FILE) are published in the issuer's DID document
(/.well-known/did.json, the issuer did:web:<host>). Each key is named by its RFC 7638
thumbprint: a rotation needs no numbering, and the kid in an old credential still
finds its key as long as the retired key stays listed.

Production refuses to sign without a configured key (SigningKeyMissing, and the
system check badges.E001). Development and tests generate a key into var/ on first use,
so a fresh checkout signs without any setup.
"""

import contextlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

PUBLIC_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


class SigningKeyMissing(ImproperlyConfigured):
    """Production has no signing key configured: nothing is signed."""


class SigningKeyInvalid(ImproperlyConfigured):
    """A configured key cannot be read, or is not an Ed25519 key of the right kind."""


def issuer_did() -> str:
    """did:web for SITE_URL's host; a port is encoded as %3A, as did:web requires."""
    site = urlsplit(settings.SITE_URL)
    host = site.hostname or "localhost"
    if site.port:
        host = f"{host}:{site.port}"
    return "did:web:" + quote(host, safe="")


def key_id(key: OKPKey) -> str:
    """The DID URL that names a key: the verification method's id in did.json."""
    return f"{issuer_did()}#{key.thumbprint()}"


def new_private_pem() -> bytes:
    """A fresh Ed25519 private key as PKCS#8 PEM."""
    return OKPKey.generate_key("Ed25519").as_pem(private=True)


def write_private_key(path: Path, pem: bytes) -> None:
    """Write a key readable by its owner only; an existing file is never overwritten."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def read_private_key(text: str, *, source: str) -> OKPKey:
    """An Ed25519 private key from a PEM or a JWK; SigningKeyInvalid names the source."""
    text = text.strip()
    try:
        key = OKPKey.import_key(json.loads(text) if text.startswith("{") else text)
    except (JoseError, ValueError, TypeError) as exc:
        raise SigningKeyInvalid(f"{source} is not an Ed25519 key ({exc}).") from exc
    if key.curve_name != "Ed25519" or not key.is_private:
        raise SigningKeyInvalid(f"{source} must be an Ed25519 private key.")
    return key


def read_public_keys(text: str, *, source: str) -> list[OKPKey]:
    """Every PEM public key in a file of them (the retired keys)."""
    keys = []
    for block in PUBLIC_PEM_BLOCK.findall(text):
        try:
            key = OKPKey.import_key(block)
        except (JoseError, ValueError, TypeError) as exc:
            raise SigningKeyInvalid(f"{source} holds a key that cannot be read ({exc}).") from exc
        if key.curve_name != "Ed25519":
            raise SigningKeyInvalid(f"{source} may only hold Ed25519 public keys.")
        keys.append(key)
    return keys


def _read_file(path: str, *, name: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise SigningKeyInvalid(f"{name} cannot be read ({exc.strerror}: {path}).") from exc


def _development_key(path: Path) -> str:
    """The development key in var/, made on first use (two processes may race: O_EXCL)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            write_private_key(path, new_private_pem())
    return path.read_text()


@lru_cache(maxsize=8)
def _signing_key(text: str, path: str, production: bool, dev_path: str) -> OKPKey:
    if text:
        return read_private_key(text, source="BADGE_SIGNING_KEY")
    if path:
        return read_private_key(
            _read_file(path, name="BADGE_SIGNING_KEY_FILE"), source="BADGE_SIGNING_KEY_FILE"
        )
    if production:
        raise SigningKeyMissing(
            "BADGE_SIGNING_KEY or BADGE_SIGNING_KEY_FILE is required when DJANGO_ENV=production "
            "(create one with: manage.py create_badge_key --output FILE)."
        )
    return read_private_key(_development_key(Path(dev_path)), source=dev_path)


@lru_cache(maxsize=8)
def _retired_keys(path: str) -> tuple[OKPKey, ...]:
    if not path:
        return ()
    text = _read_file(path, name="BADGE_RETIRED_KEYS_FILE")
    return tuple(read_public_keys(text, source="BADGE_RETIRED_KEYS_FILE"))


def signing_key() -> OKPKey:
    """The current signing key (read once per process and configuration)."""
    return _signing_key(
        settings.BADGE_SIGNING_KEY,
        settings.BADGE_SIGNING_KEY_FILE,
        settings.PRODUCTION,
        str(settings.BADGE_DEV_KEY_FILE),
    )


def published_keys() -> list[OKPKey]:
    """The current key first, then the retired ones, each once."""
    keys, seen = [], set()
    for key in (signing_key(), *_retired_keys(settings.BADGE_RETIRED_KEYS_FILE)):
        if key.thumbprint() not in seen:
            seen.add(key.thumbprint())
            keys.append(key)
    return keys


def public_jwk(key: OKPKey) -> dict:
    """The public half as a JWK: kty, crv and x, never d."""
    public = key.as_dict(private=False)
    return {name: public[name] for name in ("kty", "crv", "x")}


def did_document() -> dict:
    """The issuer's DID document: every published key, each allowed to sign credentials."""
    did = issuer_did()
    methods = [
        {
            "id": key_id(key),
            "type": "JsonWebKey2020",
            "controller": did,
            "publicKeyJwk": public_jwk(key),
        }
        for key in published_keys()
    ]
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        # Retired keys stay here too: they no longer sign, but what they signed still
        # verifies. A key that leaked is removed from the list instead (docs/operators.md).
        "assertionMethod": [method["id"] for method in methods],
    }
