"""Which stored public pages are stale: versions in the shared cache.

Whole public pages are stored for anonymous visitors (events/views/page_cache.py),
under keys that carry versions. Changing a version after a commit makes every
process render the pages under it afresh at their next request. Three kinds:

- one per session (by its public id), for its own page: a registration for Fargo
  changes the Fargo page, and the Bismarck page stays stored;
- lists, for the pages that list sessions (home and catalogue): any session's seats
  or details show there;
- catalog, for what every page shows (trainings, sectors): it is in every key.

A version missing from the cache (expired, or the cache was flushed) is simply
started again, which means the pages under it are rendered afresh: nothing is
ever served stale because a version went missing.
"""

import secrets

from django.core.cache import cache
from django.db import transaction

CATALOG_KEY = "public-pages:catalog"
LISTS_KEY = "public-pages:lists"
# A version that expires only costs its pages one fresh render (they are stored for
# two minutes at most anyway), and the versions of sessions nobody visits any more,
# or of ids that never existed, leave the cache by themselves.
VERSION_SECONDS = 3600


def session_version_key(public_id: str) -> str:
    return f"public-pages:session:{public_id}"


def public_pages_changed(*sessions, catalog: bool = False) -> None:
    """Say that public pages are stale, as of the current transaction's commit.

    sessions: those whose pages changed (their seats, status or details); the lists
    change with them, and with no session named (a new session) the lists alone.
    catalog=True: every page, for trainings and sectors.

    The callback is robust: the change is committed and is the point of the request,
    so a cache that does not answer only logs, and the callbacks after it (the
    outbox's publish) still run. Stored copies then live out their MAX_SECONDS.
    """
    if catalog:
        keys = [CATALOG_KEY]
    else:
        keys = [LISTS_KEY, *(session_version_key(session.public_id) for session in sessions)]
    token = secrets.token_hex(8)
    transaction.on_commit(
        lambda: cache.set_many(dict.fromkeys(keys, token), VERSION_SECONDS), robust=True
    )


def current_versions(keys: list[str]) -> list[str] | None:
    """The versions under these keys, in their order, read in one round trip.

    None when the shared cache does not answer (django-redis turns its errors into
    misses, and add() into None): then nobody can tell a stored page is stale, so
    pages are rendered, not stored or served from the store.
    """
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # Start the version, or take the one a racing request just started.
            token = secrets.token_hex(8)
            added = cache.add(key, token, VERSION_SECONDS)
            if added is None:
                return None
            found[key] = token if added else cache.get(key)
            if found[key] is None:
                return None
    return [str(found[key]) for key in keys]
