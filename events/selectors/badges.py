"""Reads for Open Badges: which status-list places are taken, and which are revoked."""

from events.models import Certificate

# Entries per published status list: the Bitstring Status List minimum (16 KB), so
# that a list hides which of its many entries a verifier is asking about.
STATUS_LIST_SIZE = 131_072


class UsedStatusIndexes:
    """The indexes already given to certificates, asked about one at a time: how many
    there are (one COUNT), and whether one is taken (one lookup on the unique index),
    rather than every index loaded to draw one new one."""

    def __init__(self) -> None:
        self._taken = Certificate.objects.filter(status_list_index__isnull=False)

    def __len__(self) -> int:
        return self._taken.count()

    def __contains__(self, index: int) -> bool:
        return self._taken.filter(status_list_index=index).exists()


def used_status_indexes() -> UsedStatusIndexes:
    """Every index already given to a certificate, as draw_status_index reads them."""
    return UsedStatusIndexes()


def revoked_positions(list_number: int) -> list[int]:
    """Positions, within one status list, of the revoked certificates (one query)."""
    start = list_number * STATUS_LIST_SIZE
    indexes = Certificate.objects.filter(
        revoked_at__isnull=False,
        status_list_index__gte=start,
        status_list_index__lt=start + STATUS_LIST_SIZE,
    ).values_list("status_list_index", flat=True)
    return [index - start for index in indexes]
