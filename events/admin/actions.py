"""What every "run a service on each selected row" admin action shares."""

from collections import Counter
from collections.abc import Callable, Iterable

from django.contrib import messages
from django.utils.translation import ngettext


def run_on_each(
    request,
    ids: Iterable[int],
    service: Callable[[int], object],
    *,
    refusals: tuple[type[Exception], ...],
    done: Callable[[int], str],
) -> None:
    """Apply service(id) to each selected row, one transaction each (the service's), and
    tell the organizer what it did and what it refused, e.g. "3 checked in, 1 skipped:
    cancelled". A refusal skips its row; any other error is a real one and raises."""
    count, skipped = 0, Counter()
    for pk in ids:
        try:
            service(pk)
        except refusals as refusal:
            skipped[str(refusal)] += 1
        else:
            count += 1
    report(request, done=done(count), skipped=skipped)


def report(request, *, done: str, skipped: Counter) -> None:
    """Tell the organizer what an action did and what it refused, e.g.
    "3 checked in, 1 skipped: cancelled"."""
    parts = [done]
    for reason, count in sorted(skipped.items(), key=lambda item: (-item[1], item[0])):
        parts.append(
            ngettext("%(count)d skipped: %(reason)s", "%(count)d skipped: %(reason)s", count)
            % {"count": count, "reason": reason}
        )
    level = messages.WARNING if skipped else messages.SUCCESS
    messages.add_message(request, level, ", ".join(parts))
