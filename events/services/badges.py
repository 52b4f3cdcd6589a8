"""Open Badges: each certificate's place in the revocation status list.

A certificate gets its index when its first credential is made (the JSON-LD or the
signed download), not at issuance: certificates nobody turns into a badge use no place,
and certificates issued before badges were signed need no backfill.
"""

import secrets

from django.core.cache import cache
from django.db import IntegrityError, transaction

from events.models import Certificate
from events.selectors.badges import STATUS_LIST_SIZE, UsedStatusIndexes, used_status_indexes

# Draws before giving up; each retry follows a collision with a concurrent draw.
ATTEMPTS = 5


class StatusListUnavailable(Exception):
    """No index could be drawn (concurrent draws kept colliding)."""


def draw_status_index(used: set[int] | UsedStatusIndexes) -> int:
    """A random unused index in the newest status list (used: the indexes taken).

    A new list opens once the lists so far are half full on average, so a random draw
    finds a free place within a few tries, and a list number says only roughly how many
    certificates exist, in steps of 65,536.
    """
    list_number = len(used) // (STATUS_LIST_SIZE // 2)
    start = list_number * STATUS_LIST_SIZE
    while True:
        index = start + secrets.randbelow(STATUS_LIST_SIZE)
        if index not in used:
            return index


def ensure_status_index(*, certificate: Certificate) -> Certificate:
    """Give the certificate its status-list index once; later calls return it unchanged.

    The conditional update keeps the first of two concurrent callers' index, and the
    unique constraint turns two certificates drawing the same index into a retry.
    """
    for _attempt in range(ATTEMPTS):
        if certificate.status_list_index is not None:
            return certificate
        index = draw_status_index(used_status_indexes())
        try:
            with transaction.atomic():
                Certificate.objects.filter(
                    pk=certificate.pk, status_list_index__isnull=True
                ).update(status_list_index=index)
        except IntegrityError:
            continue
        certificate.refresh_from_db(fields=["status_list_index"])
    if certificate.status_list_index is None:
        raise StatusListUnavailable(f"no status-list index for certificate {certificate.pk}")
    return certificate


def status_list_cache_key(list_number: int) -> str:
    return f"badges:status-list:{list_number}"


def forget_status_list(*, certificate: Certificate) -> None:
    """After the commit, drop the stored copy of the list that holds this certificate's
    bit, so a revocation (or a reissue) shows at once rather than when the copy expires."""
    if certificate.status_list_index is None:
        return
    key = status_list_cache_key(certificate.status_list_index // STATUS_LIST_SIZE)
    # Robust: the revocation is committed; a cache away only delays its showing.
    transaction.on_commit(lambda: cache.delete(key), robust=True)
