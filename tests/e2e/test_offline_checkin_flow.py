"""The door page with no signal: snapshot online, check in offline by search and by
code, reload offline, upload once back online, and a second upload changes nothing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import AuditEntry, CheckInScan, Registration
from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = "id => window.doorStore.queued(id)"
CSRF = "() => document.querySelector('#checkin input[name=csrfmiddlewaretoken]').value"
CACHED_CSRF = """path => caches.open("door-pages")
    .then(cache => cache.match(path)).then(r => r ? r.text() : "")
    .then(html => (html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/) || [])[1] || "")"""
UPLOAD_AGAIN = """([url, items]) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json",
              "X-CSRFToken": document.querySelector("input[name=csrfmiddlewaretoken]").value},
    body: JSON.stringify({items: items.map(({nonce, code, scanned_at, device}) =>
        ({nonce, code, scanned_at, device}))})
}).then(r => r.json())"""


def log_in(page, email):
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def wait_until_kept_offline(page, path):
    """The worker controls the page and holds a copy of it: the page can load offline."""
    page.wait_for_function("() => document.getElementById('checkin').dataset.ready === '1'")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for _ in range(50):
        if page.evaluate(CACHED_CSRF, path):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the door page was never kept in the cache")


def test_door_page_checks_people_in_offline_and_uploads_them_once(page):
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=20), city="Williston")
    dana = RegistrationFactory(session=session, full_name="Dana Whitehorse", organization="FPS")
    erik = RegistrationFactory(session=session, full_name="Erik Olson", organization="Sanford")
    RegistrationFactory(session=session, full_name="Gail Gone", cancelled=True)
    ScopedOrganizerFactory(email="org@example.org", organizes=[session])
    door = f"/organize/sessions/{session.pk}/check-in/"
    log_in(page, "org@example.org")

    # Online: the page is kept by the service worker and the roster by IndexedDB.
    page.goto(door)
    expect(page.locator("#door-snapshot")).to_contain_text("People on it: 3.")
    expect(page.locator("#door-network")).to_have_text("Online")
    wait_until_kept_offline(page, door)
    # Reload once so that the worker serves the page (and later, offline, its copy).
    page.reload()
    wait_until_kept_offline(page, door)

    page.context.set_offline(True)
    expect(page.locator("#door-network")).to_have_text("Offline")

    # By search: the snapshot answers, whatever the case.
    page.get_by_role("searchbox", name="Name or email").fill("WHITEH")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Check in Dana Whitehorse").click()
    expect(page.locator("#checkin-result")).to_have_text(
        "Dana Whitehorse is checked in on this device. It will upload when the connection is back."
    )
    # By code, typed as people type it.
    typed = " ".join(erik.checkin_code[i : i + 4] for i in range(0, 16, 4)).lower()
    page.get_by_label("Check-in code").fill(typed)
    page.get_by_role("button", name="Check in", exact=True).click()
    result = page.locator("#checkin-result")
    expect(result).to_contain_text("Erik Olson is checked in on this device")
    # A second scan of the same badge on this device is "already", and queues nothing.
    page.get_by_label("Check-in code").fill(erik.checkin_code)
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(result).to_contain_text("Erik Olson was already checked in")
    expect(page.locator("#door-waiting")).to_have_text("Check-ins waiting to upload: 2")
    expect(page.locator("#count-checked-in")).to_have_text("2")

    # Reload with no signal: the kept page, the snapshot and the queue are all there.
    kept_token = page.evaluate(CACHED_CSRF, door)
    page.reload()
    assert page.evaluate(CSRF) == kept_token, "the offline reload reached the server"
    expect(page.locator("#door-network")).to_have_text("Offline")
    expect(page.locator("#door-waiting")).to_have_text("Check-ins waiting to upload: 2")
    page.get_by_role("searchbox", name="Name or email").fill("olson")
    page.get_by_role("button", name="Search").click()
    found = page.locator("#offline-results tbody tr")
    expect(found).to_have_text(re.compile("Erik Olson.*Checked in"))
    queue = page.evaluate(QUEUE, session.pk)
    assert sorted(item["code"] for item in queue) == sorted([dana.checkin_code, erik.checkin_code])
    assert len({item["nonce"] for item in queue}) == 2
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()

    # Back online: the queue uploads by itself, at the real scan times.
    with page.expect_response(re.compile(r"/check-in/sync/$")) as uploaded:
        page.context.set_offline(False)
    assert uploaded.value.status == 200
    expect(page.locator("#door-waiting")).to_have_text("Check-ins waiting to upload: 0")
    expect(page.locator("#door-network")).to_have_text("Online")
    scanned = {item["code"]: item["scanned_at"] for item in queue}
    for person in (dana, erik):
        person.refresh_from_db()
        assert person.attended is True
        assert (
            person.checked_in_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            == scanned[person.checkin_code]
        )
    expect(page.locator("#door-conflicts-section")).to_be_hidden()

    # The roster shows both checked in.
    page.goto(f"/admin/events/registration/?session__id__exact={session.pk}&attended__exact=1")
    expect(page.locator("#result_list tbody .field-full_name")).to_have_text(
        ["Dana Whitehorse", "Erik Olson"]
    )

    # The same queue uploaded again changes nothing.
    page.goto(door)
    times = Registration.objects.order_by("pk").values_list("checked_in_at", flat=True)
    before = list(times)
    again = page.evaluate(UPLOAD_AGAIN, [f"{door}sync/", queue])
    assert [r["outcome"] for r in again["results"]] == ["checked_in", "checked_in"]
    assert all(r["replay"] for r in again["results"])
    assert list(times.all()) == before
    assert CheckInScan.objects.count() == 2
    assert AuditEntry.objects.filter(action="checked_in").count() == 2


def test_signing_out_wipes_the_offline_list_from_the_device(page):
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=20))
    RegistrationFactory(session=session, full_name="Dana Whitehorse")
    ScopedOrganizerFactory(email="org@example.org", organizes=[session])
    log_in(page, "org@example.org")
    door = f"/organize/sessions/{session.pk}/check-in/"
    page.goto(door)
    expect(page.locator("#door-snapshot")).to_contain_text("People on it: 1.")
    wait_until_kept_offline(page, door)
    page.get_by_role("button", name="Log out").click()
    # Signed out, the home page.
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    databases = page.evaluate("() => indexedDB.databases().then(list => list.map(d => d.name))")
    assert "door-checkin" not in databases
    assert page.evaluate("() => caches.keys()") == []


# Each name with what someone at the door might type for it, in other letters.
FOLDED_NAMES = [
    ("Kari Ødegård", "odegard"),
    ("Lindqvist-Øye", "LINDQVIST-ØYE"),
    ("Hans Straße", "strasse"),
    ("Łukasz Wąs", "lukasz was"),
    ("Ærø Hansen", "aero"),
    ("Guðrún Þórsdóttir", "gudrun thorsdottir"),
    ("José Núñez", "NUNEZ"),
    ("Νικόλαος Παπαδόπουλος", "ΝΙΚΟΛΑΟΣ"),
    ("Đorđe Đukić", "dorde"),
]


def test_offline_search_folds_every_letter_as_the_server_does(page):
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=20))
    for name, _typed in FOLDED_NAMES:
        RegistrationFactory(session=session, full_name=name, organization="")
    ScopedOrganizerFactory(email="org@example.org", organizes=[session])
    door = f"/organize/sessions/{session.pk}/check-in/"
    log_in(page, "org@example.org")
    page.goto(door)
    expect(page.locator("#door-snapshot")).to_contain_text(f"People on it: {len(FOLDED_NAMES)}.")
    page.context.set_offline(True)
    expect(page.locator("#door-network")).to_have_text("Offline")

    search = page.get_by_role("searchbox", name="Name or email")
    found = page.locator("#offline-results tbody tr")
    for name, typed in FOLDED_NAMES:
        for query in (typed, name):  # also typed exactly as written
            search.fill(query)
            page.get_by_role("button", name="Search").click()
            expect(found, f"{query!r} should find {name!r}").to_have_count(1)
            expect(found).to_contain_text(name)
