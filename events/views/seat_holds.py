"""The session page's seats held for sectors: what is left for each, and for everyone."""

from datetime import datetime

from django.http import HttpRequest
from django.templatetags.tz import do_timezone
from django.utils.text import get_text_list

from events.models import TrainingSession
from events.models.bilingual import localized
from events.selectors.seat_holds import seat_rows

from .page_cache import fragment


def page_context(
    request: HttpRequest, session: TrainingSession, *, now: datetime
) -> tuple[dict, list[datetime]]:
    """The page's held seats, and the moments they change by the clock.

    The rows are kept in the fragment cache under the session's version (every seat
    taken, every edit of a hold and every offer passed on moves it); which holds and
    offers run is decided here, from the clock, so a hold that ends opens its seats
    on the page at once (its end is also when the stored page goes stale).

    seat_holds: the running holds, each with the seats it still has free;
    general_seats: seats open to everyone; register_full: no seat is free for anyone
    (the registration card then offers the waiting list).
    """
    is_full = session.is_full
    quiet = {"seat_holds": [], "register_full": is_full}
    if session.status != TrainingSession.Status.PUBLISHED or session.starts_at <= now:
        return quiet, []
    if not getattr(session, "has_seat_rows", True):
        return quiet, []
    rows = fragment(
        request,
        f"seat-rows:{session.public_id}",
        lambda: seat_rows(session, confirmed=getattr(session, "confirmed_count", None)),
        session=session.public_id,
    )
    moments = [deadline for _hold, deadline in rows.offers]
    seats = rows.at(now)
    if not seats.holds:
        return quiet, moments
    moments += [hold.row.until for hold in seats.holds]
    offered = sum(1 for _hold, deadline in rows.offers if deadline > now)
    # Someone waiting for a general seat (not just holding an offer) means none is free.
    someone_waits = getattr(session, "waitlisted_count", 0) > offered
    general = 0 if someone_waits else seats.general_free
    holds = []
    for hold in seats.holds:
        until = do_timezone(hold.row.until, session.tzinfo)
        holds.append(
            {
                "free": min(hold.free, seats.free),
                "sectors": get_text_list(
                    [localized(sector, "name").text for sector in hold.row.sectors]
                ),
                "sector_ids": " ".join(str(pk) for pk in sorted(hold.row.sector_ids)),
                "until": until,
            }
        )
    held_free = seats.held_free
    context = {
        "seat_holds": holds,
        "general_seats": general,
        "register_full": is_full and not held_free and not general,
    }
    return context, moments
