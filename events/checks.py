"""System checks: production needs a readable Open Badges signing key.

Registered without a tag, so `check --deploy` and `migrate` (compose's migrate service)
fail on them, and the stack does not come up signing nothing.
"""

from django.conf import settings
from django.core.checks import Error, register

from events.documents.badge_keys import SigningKeyInvalid, SigningKeyMissing, published_keys


@register()
def badge_signing_key(app_configs, **kwargs) -> list[Error]:
    configured = settings.BADGE_SIGNING_KEY or settings.BADGE_SIGNING_KEY_FILE
    if not (configured or settings.PRODUCTION or settings.BADGE_RETIRED_KEYS_FILE):
        # Development and tests make their key on first use; a check makes no files.
        return []
    try:
        published_keys()
    except SigningKeyMissing as exc:
        return [
            Error(
                str(exc),
                hint=(
                    "Set BADGE_SIGNING_KEY_FILE to the key's path (docs/operators.md, "
                    "The Open Badges signing key)."
                ),
                id="badges.E001",
            )
        ]
    except SigningKeyInvalid as exc:
        return [Error(str(exc), id="badges.E002")]
    return []
