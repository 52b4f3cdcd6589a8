"""The README and docs/ link to each other by file and heading: every link must land.

The docs are written by reader and each fact lives in one place, so a page says a fact
by linking to the page that holds it; a renamed heading or a moved file would leave the
reader at a dead end.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"```.*?```", re.S)


def _anchors(page: Path) -> set[str]:
    """Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to -."""
    found = set()
    for line in FENCE.sub("", page.read_text()).splitlines():
        heading = re.match(r"#+\s+(.*)", line)
        if heading:
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            found.add(text.replace(" ", "-"))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_local_link_reaches_a_file_and_heading(page):
    dead = []
    for url in LINK.findall(FENCE.sub("", page.read_text())):
        if url.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, fragment = url.partition("#")
        target = (page.parent / path).resolve() if path else page
        lands = target.exists() and (
            not fragment or target.suffix != ".md" or fragment in _anchors(target)
        )
        if not lands:
            dead.append(url)
    assert dead == []


def test_readme_stays_the_front_door():
    # What the platform does, screenshots, the two commands and links by reader; the
    # rest lives in docs/.
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200
