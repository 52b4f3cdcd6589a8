"""An online session's meeting address is only ever given to registrants, through their
own join link: no page, feed, calendar file, embed, API answer or stored copy of one
carries it.

The test builds online sessions in every state a visitor can meet (upcoming, hybrid,
full, cancelled, ended with a certificate, draft), each with an address found nowhere
else, then crawls the site from its public entry points, following every same-site
link, twice per address (the second answer comes from the stored page cache), as an
anonymous visitor in English and in Spanish and as a member registered for them.
"""

import html
import json
import re
import subprocess
from collections import deque
from datetime import timedelta
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Registration, TrainingSession
from events.services import certificates as certificate_services
from tests.factories import (
    AttendedRegistrationFactory,
    EndedSessionFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Every address holds this in its host and its path; nothing else on the site does.
MARK = "leakprobe"
ADDRESSES = {
    "online": f"https://{MARK}-online.example.org/room/{MARK}-q7v",
    "hybrid": f"https://{MARK}-hybrid.example.net/j/{MARK}-r2x?pwd={MARK}",
    "full": f"https://{MARK}-full.example.com/{MARK}-m4k",
    "cancelled": f"https://{MARK}-cancelled.example.org/{MARK}-c9d",
    "ended": f"https://{MARK}-ended.example.org/{MARK}-e5t",
    "draft": f"https://{MARK}-draft.example.org/{MARK}-d1w",
}
# Enough for every page the data below makes, with room to spare; the crawl asserts
# that it stopped because it ran out of links, not because it reached the bound.
MAX_ADDRESSES = 400
# Not pages: files that hold no data, the admin (behind a login) and the language
# switcher (a POST).
SKIPPED = (settings.STATIC_URL, settings.MEDIA_URL, f"/{settings.ADMIN_PATH}", "/i18n/")
LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
ABSOLUTE = re.compile(re.escape(settings.SITE_URL) + r"""/[^\s"'<>\\]*""")


@pytest.fixture
def sessions(sector) -> dict[str, TrainingSession]:
    online = {"venue": "", "address": ""}
    start = timezone.now() + timedelta(days=12)
    built = {
        "online": SessionFactory(
            city="Bismarck", online_url=ADDRESSES["online"], starts_at=start, **online
        ),
        "hybrid": SessionFactory(online_url=ADDRESSES["hybrid"], starts_at=start),
        "full": SessionFactory(
            city="Minot", capacity=1, online_url=ADDRESSES["full"], starts_at=start, **online
        ),
        "cancelled": SessionFactory(
            city="Dickinson",
            online_url=ADDRESSES["cancelled"],
            status=TrainingSession.Status.CANCELLED,
            starts_at=start,
            **online,
        ),
        "ended": EndedSessionFactory(online_url=ADDRESSES["ended"], **online),
        "draft": SessionFactory(
            online_url=ADDRESSES["draft"], status=TrainingSession.Status.DRAFT, **online
        ),
    }
    for session in built.values():
        session.training.target_sectors.add(sector)
    RegistrationFactory(session=built["full"])
    RegistrationFactory(session=built["full"], waitlisted=True)
    return built


@pytest.fixture
def certificate(sessions):
    registration = AttendedRegistrationFactory(session=sessions["ended"])
    return certificate_services.issue_certificate(registration_id=registration.pk)


@pytest.fixture
def member(sessions):
    """A signed-in resident registered for each session that takes registrations."""
    user = UserFactory()
    for name in ("online", "hybrid", "cancelled"):
        RegistrationFactory(session=sessions[name], user=user, email=user.email)
    RegistrationFactory(session=sessions["full"], user=user, email=user.email, waitlisted=True)
    attended = AttendedRegistrationFactory(session=sessions["ended"], user=user, email=user.email)
    certificate_services.issue_certificate(registration_id=attended.pk)
    return user


def entry_points(sessions, certificate) -> list[str]:
    """Where a visitor or a program starts: every list, feed and file with its filters.

    The crawl finds the rest (each session's page and calendar file, pages of the
    catalogue, the API's links) by following links.
    """
    published = [s for s in sessions.values() if s.status != TrainingSession.Status.DRAFT]
    feed = reverse("events:sessions_feed")
    embed = reverse("events:embed_sessions")
    api = reverse("api:session-list")
    return [
        reverse("home"),
        reverse("privacy"),
        reverse("events:catalog"),
        f"{reverse('events:catalog')}?mode=online",
        f"{reverse('events:catalog')}?city=Bismarck",
        feed,
        f"{feed}?mode=online",
        f"{feed}?city=Bismarck",
        f"{feed}?city=Dickinson&mode=online",
        embed,
        f"{embed}?mode=online",
        api,
        f"{api}?online=true",
        reverse("api:training-list"),
        reverse("api:sector-list"),
        reverse("api:schema"),
        reverse("api:docs"),
        reverse("events:certificate_verify", args=[certificate.display_code]),
        reverse("events:certificate_verify_lookup"),
        # Drafts have no public page and ended sessions no calendar link, but asking for
        # them must not give the address either.
        *[reverse("events:session_detail", args=[s.public_id]) for s in sessions.values()],
        *[reverse("events:session_ics", args=[s.public_id]) for s in sessions.values()],
        *[reverse("api:session-detail", args=[s.public_id]) for s in published],
    ]


def _same_site(base: str, link: str) -> str | None:
    """The site-relative address a link points to, or None for another site."""
    link = html.unescape(link.strip())
    if link.startswith(("mailto:", "tel:", "javascript:", "data:", "#")):
        return None
    url, _fragment = urldefrag(urljoin(f"{settings.SITE_URL}{base}", link))
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != settings.SITE_URL:
        return None
    address = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if address.startswith(SKIPPED) else address


def _body(response) -> str:
    """The answer's body as a client reads it.

    Calendar lines are unfolded (a long one goes on after CRLF and a space, so the
    address could be cut anywhere), and a PDF is read through its text layer.
    """
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        result = subprocess.run(
            ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
        )
        return result.stdout.decode()
    return re.sub(r"\r\n[ \t]", "", content.decode(errors="replace"))


def _links(address: str, response, body: str) -> set[str]:
    found = set(LINK.findall(body)) | set(ABSOLUTE.findall(body))
    if "Location" in response:
        found.add(response["Location"])
    if response.get("Content-Type", "").startswith("application/json"):
        found.update(_strings(json.loads(body)))
    return {link for link in (_same_site(address, raw) for raw in found) if link}


def _strings(value) -> list[str]:
    """Every string in a JSON document that reads as a link of the site."""
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, str) and value.startswith(("/", settings.SITE_URL)):
        return [value]
    return []


def crawl(client: Client, start: list[str], **headers) -> dict[str, list[str]]:
    """Visit every same-site address reachable from start, each twice; return what each
    answer gave away (the addresses found in it) by address, and every address seen."""
    queue, seen, leaks = deque(start), set(start), {}
    while queue:
        assert len(seen) <= MAX_ADDRESSES, "the crawl reached its bound"
        address = queue.popleft()
        for _visit in range(2):  # the first renders and stores; the second is the copy
            response = client.get(address, headers=headers)
            body = _body(response)
            text = "\n".join([*(f"{name}: {value}" for name, value in response.items()), body])
            if MARK in text:
                given = [meeting for meeting in ADDRESSES.values() if meeting in text]
                leaks.setdefault(address, []).extend(given or [MARK])
        for link in _links(address, response, body) - seen:
            seen.add(link)
            queue.append(link)
    return {"leaks": leaks, "seen": sorted(seen)}


def _must_reach(sessions) -> set[str]:
    """Addresses the crawl must have visited for its silence to mean something."""
    shown = [s for s in sessions.values() if s.status != TrainingSession.Status.DRAFT]
    upcoming = [s for s in shown if not s.has_ended()]
    return {
        reverse("events:sessions_feed"),
        reverse("events:embed_sessions"),
        *[reverse("events:session_detail", args=[s.public_id]) for s in shown],
        *[reverse("events:session_ics", args=[s.public_id]) for s in upcoming],
        *[reverse("api:session-detail", args=[s.public_id]) for s in shown],
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_public_address_of_the_site_gives_a_meeting_address(
    client, sessions, certificate, language
):
    result = crawl(client, entry_points(sessions, certificate), **{"Accept-Language": language})
    assert result["leaks"] == {}
    assert _must_reach(sessions) <= set(result["seen"])


def test_a_registered_member_finds_no_meeting_address_either(client, sessions, certificate, member):
    """Signed in, the lists are stored for members, and each of their registrations'
    pages (manage, join, calendar file) only ever links the meeting through the join
    link: the address is given by the redirect of the join button's POST alone."""
    client.force_login(member)
    start = [reverse("accounts:dashboard"), *entry_points(sessions, certificate)]
    result = crawl(client, start)
    assert result["leaks"] == {}
    own = Registration.objects.filter(
        user=member, status=Registration.Status.CONFIRMED, session__status="published"
    )
    joins = {registration.get_join_url() for registration in own}
    certificates = {
        reverse("events:manage_certificate", args=[registration.manage_token])
        for registration in own.filter(attended=True)
    }
    assert joins and certificates
    assert joins | certificates <= set(result["seen"])
