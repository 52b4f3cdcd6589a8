"""PostgreSQL restarted during a burst of registrations: nothing lost, nothing sent twice.

Four visitors register new people for one session, one after another, while the
drill's cluster is stopped (a fast shutdown, as an operator's restart: open
connections are cut) for DOWN_SECONDS and started again. The mail relay is slow
(RELAY_DELAY_SECONDS before it accepts a message) and the stop comes while it holds
one: that email is accepted once the database is gone, so its worker cannot mark it
sent, the case where an email could go out twice. While it is down, a visitor
gets the friendly 503 page with a Retry-After header, never a 500; told to retry,
they send the form again (after at most a second: the drill is about what is kept,
not about patience). Afterwards every registration answered with success is in the
database once, every person is registered, and every email arrives exactly once.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .conftest import Drill, Figures
from .servers import wait_for
from .visitors import Answer, register, registered, timings

VISITORS = 4
BURST_BEFORE_SECONDS = 3  # registrations flowing before the stop
DOWN_SECONDS = 6
BURST_AFTER_SECONDS = 4  # and after the start
RELAY_DELAY_SECONDS = 0.3
PAUSE_SECONDS = 0.2  # each visitor's pause between two people: a modest load on 2 cores
# A person whose registration is still not saved this long after the burst is lost.
RETRY_SECONDS = 60
EMAILS_SECONDS = 120
# The heading of the outage page (templates/503_unavailable.html), in English: the
# drill's visitors ask for no other language.
OUTAGE_HEADING = "We will be back in a moment"
# The busy page (templates/503.html): a burst on one session can meet the cap on the
# requests of a process that wait for its lock (SESSION_LOCK_WAITERS); that visitor is
# told to try again in a few seconds, and does, as the outage page's visitors do.
BUSY_HEADING = "This session is very busy right now"


def friendly_503(answer: Answer, *, headings=(OUTAGE_HEADING, BUSY_HEADING)) -> bool:
    """A "try again" page: 503, with Retry-After, the page's own words and no debug details."""
    return (
        answer.status == 503
        and answer.headers.get("retry-after", "").isdigit()
        and answer.headers.get("content-type", "").startswith("text/html")
        and any(heading in answer.text for heading in headings)
        and "Traceback" not in answer.text
    )


def test_a_postgres_restart_during_a_burst_loses_no_registration_and_sends_no_email_twice(
    drill: Drill, figures: Figures
):
    drill.start()
    public_id = drill.db.upcoming_sessions()[0]
    cluster = drill.platform.cluster
    burst_over = threading.Event()
    relay = drill.smtp.handler
    relay.reply_delay = RELAY_DELAY_SECONDS
    people: dict[str, list[Answer]] = {}  # each person's attempts, in order

    def register_until_saved(email: str) -> None:
        visitor = drill.visitor()
        tries = people.setdefault(email, [])
        deadline = time.monotonic() + RETRY_SECONDS
        while time.monotonic() < deadline:
            answer = register(visitor, public_id, email=email, name="Burst Registrant")
            tries.append(answer)
            if registered(answer) or not friendly_503(answer):
                return
            time.sleep(min(1.0, int(answer.headers["retry-after"])))

    def visitor_loop(index: int) -> None:
        number = 0
        while not burst_over.is_set():
            register_until_saved(f"burst-{index}-{number}@example.org")
            number += 1
            time.sleep(PAUSE_SECONDS)

    before_burst = len(drill.answers)
    with ThreadPoolExecutor(VISITORS) as pool:
        running = [pool.submit(visitor_loop, index) for index in range(VISITORS)]
        try:
            time.sleep(BURST_BEFORE_SECONDS)
            try:
                wait_for(
                    lambda: relay.in_flight > 0, seconds=10, what="an email in flight", every=0.01
                )
            except TimeoutError:
                drill.check(False, "no email was in flight at the relay when PostgreSQL stopped")
            stopped_at = time.monotonic()
            in_flight = relay.in_flight
            cluster.stop()
            time.sleep(DOWN_SECONDS)
            cluster.start()
            started_at = time.monotonic()
            relay.reply_delay = 0.0
            time.sleep(BURST_AFTER_SECONDS)
        finally:
            # Also when a step above failed: the visitors stop, and the pool can close.
            burst_over.set()
        for future in running:
            future.result()

    answers = drill.answers[before_burst:]  # GETs of the page and POSTs of the form
    down = [a for a in answers if stopped_at <= a.started < started_at]
    unavailable = [a for a in answers if a.status == 503]
    first_after = min(
        (a.started + a.seconds for a in answers if registered(a) and a.started >= started_at),
        default=None,
    )
    figures(
        f"{len(people)} people, {len(answers)} requests; PostgreSQL down"
        f" {started_at - stopped_at:.1f} s: {timings(down)} while down; {in_flight} email(s)"
        " in flight at the relay when it stopped"
    )
    figures(
        f"statuses: {count_statuses(answers)}; 503 pages: {len(unavailable)}, friendly:"
        f" {sum(map(friendly_503, unavailable))}; first registration saved"
        f" {first_after - started_at if first_after else float('nan'):.1f} s after the start"
    )
    drill.check(bool(down), "no request was made while PostgreSQL was down")
    drill.check(
        any(friendly_503(a, headings=(OUTAGE_HEADING,)) for a in down),
        "no friendly 503 page while PostgreSQL was down",
    )
    errors = [str(a) for a in answers if a.is_server_error and not friendly_503(a)]
    drill.check(not errors, "5xx other than a friendly 503 page:\n  " + "\n  ".join(errors[:20]))

    lost = [email for email, tries in people.items() if not registered(tries[-1])]
    drill.check(
        not lost,
        f"{len(lost)} of {len(people)} people never registered, last answers:"
        f" {[str(people[email][-1]) for email in lost][:5]}",
    )
    saved = {email: drill.db.registration_status(email) for email in people}
    missing = [
        email for email, tries in people.items() if any(map(registered, tries)) and not saved[email]
    ]
    twice = {email: rows for email, rows in saved.items() if len(rows) > 1}
    drill.check(not missing, f"answered as registered but not in the database: {missing}")
    drill.check(not twice, f"registered more than once: {twice}")

    seconds = drill.wait_for_outbox(seconds=EMAILS_SECONDS)
    if seconds is not None:
        figures(f"the last email arrived {seconds:.1f} s after the burst ended")
    unconfirmed = [
        email for email in people if "sent" not in set(drill.db.emails_to(email).values())
    ]
    drill.check(not unconfirmed, f"registered without an email sent: {unconfirmed[:10]}")
    sent = drill.check_every_email_once()
    figures(f"{sent} emails sent, each received once; {drill.outbox()}")
    drill.assert_no_problems()


def count_statuses(answers: list[Answer]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status] = counts.get(answer.status, 0) + 1
    return dict(sorted(counts.items()))
