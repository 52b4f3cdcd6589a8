"""The mail relay down for a simulated day: every email arrives once afterwards (issue 25).

Time runs 1440 times faster than in production, so a day lasts 60 s:
- the relay (the drill's SMTP sink) is down for RELAY_DOWN_SECONDS = 60 s, a day;
- retries go on for NOTIFICATION_RETRY_HOURS = 0.05 h (3 min), production's 72 h / 1440;
- the first retry waits NOTIFICATION_RETRY_BASE_SECONDS = 1 s and the wait doubles up to
  NOTIFICATION_RETRY_MAX_SECONDS = 3 s (production: 30 s up to 1800 s; 1800 / 1440 would
  be 1.25 s, and whole seconds are what the settings take).
Registrations, a cancellation and a manage-link request are made over the whole day.
When the relay is back, every email arrives exactly once and no row is left failed.
"""

import time

from .conftest import Drill, Figures
from .visitors import cancel, register, registered

RELAY_DOWN_SECONDS = 60
EMAILS_SECONDS = 120
DAY_COMPRESSION = {
    "NOTIFICATION_RETRY_BASE_SECONDS": "1",
    "NOTIFICATION_RETRY_MAX_SECONDS": "3",
    "NOTIFICATION_RETRY_HOURS": "0.05",
}
# Registrations made during the day, spread over it.
REGISTRANTS = 10


def test_with_the_mail_relay_down_for_a_day_every_email_arrives_once_it_returns(
    drill: Drill, figures: Figures
):
    drill.start(**DAY_COMPRESSION)
    public_id = drill.db.upcoming_sessions()[0]
    answer = register(drill.visitor(), public_id, email="ann@example.org", name="Before The Day")
    assert registered(answer), answer
    assert drill.wait_for_outbox(seconds=60) is not None, drill.problems
    token = drill.manage_token("ann@example.org")

    drill.smtp.stop()
    down_at = time.monotonic()
    pace = RELAY_DOWN_SECONDS / (REGISTRANTS + 2)
    for index in range(REGISTRANTS):
        answer = register(
            drill.visitor(), public_id, email=f"day-{index}@example.org", name=f"Day {index}"
        )
        drill.check(registered(answer), f"a registration while the relay is down failed: {answer}")
        if index == REGISTRANTS // 2:
            drill.check(cancel(drill.visitor(), token).status == 302, "the cancellation failed")
            visitor = drill.visitor()
            page = visitor.get("/manage/resend/")
            resent = visitor.submit(page, "/manage/resend/", {"email": "day-0@example.org"})
            drill.check(resent.status == 200, f"the manage-link request failed: {resent}")
        time.sleep(max(0.0, down_at + pace * (index + 1) - time.monotonic()))
    time.sleep(max(0.0, down_at + RELAY_DOWN_SECONDS - time.monotonic()))
    rows = drill.db.notifications()
    attempts = sorted(n for status, _kind, n in rows.values() if status != "sent")
    figures(
        f"relay down {time.monotonic() - down_at:.0f} s (a day at 1440x): {len(attempts)} emails"
        f" waiting, attempts so far {attempts}; {drill.outbox()}"
    )
    drill.check(
        not any(status == "failed" for status, _k, _n in rows.values()),
        f"rows failed during the day: {drill.outbox()}",
    )

    drill.smtp.start()
    seconds = drill.wait_for_outbox(seconds=EMAILS_SECONDS)
    if seconds is not None:
        figures(f"relay back: the last email arrived {seconds:.1f} s later")
    for index in range(REGISTRANTS):
        emails = drill.db.emails_to(f"day-{index}@example.org")
        drill.check(emails.get("confirmation") == "sent", f"day-{index}'s emails: {emails}")
    drill.check(
        drill.db.emails_to("day-0@example.org").get("manage_link") == "sent",
        "the manage link asked for during the day was not sent",
    )
    ann = drill.db.emails_to("ann@example.org")
    drill.check(ann.get("cancelled") == "sent", f"the cancellation's email: {ann}")
    sent = drill.check_every_email_once()
    figures(f"{sent} emails sent in all, each received once; {drill.outbox()}")
    drill.assert_no_problems()
