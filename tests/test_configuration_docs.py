"""Configuration is written once: the list in trafficking_training/configuration.py.

settings.py reads only what the list declares, the list declares nothing that goes
unread, and docs/configuration.md is what the list generates (`make docs`).
"""

import re
from pathlib import Path

import pytest

from trafficking_training import configuration
from trafficking_training import settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / configuration.SETTINGS).read_text()
# Python files that read the environment themselves: the list must name what they read.
PYTHON_READERS = [
    *sorted((ROOT / "trafficking_training").glob("*.py")),
    *sorted((ROOT / "events").rglob("*.py")),
    *sorted((ROOT / "accounts").rglob("*.py")),
    *sorted((ROOT / ".ci").glob("*.py")),
    *sorted((ROOT / "bench").glob("*.py")),
    ROOT / "tests" / "conftest.py",
    ROOT / "tests" / "browser.py",
]
ENVIRON_READ = re.compile(r"""os\.(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Z0-9_]+)["']""")
# Not settings of ours: the system's own, and values a benchmark hands to the child
# process it starts (nobody sets them by hand).
NOT_OURS = {"PATH", "TMPDIR", "LOAD_SEED", "SEEDED"}


def _read_in_settings() -> set[str]:
    return set(re.findall(r"""\b_read\(\s*["']([A-Z0-9_]+)["']""", SETTINGS_SOURCE))


def test_settings_reads_the_environment_only_through_the_list():
    # A direct env.str("X") or os.environ read would slip past the list.
    direct = re.findall(
        r"\benv\.(?!read_env|email_url_config)\w+\(|os\.environ|getenv", SETTINGS_SOURCE
    )
    assert direct == []


def test_every_variable_settings_reads_is_listed_and_every_listed_one_is_read():
    listed = {v.name for v in configuration.VARIABLES if v.read_in == configuration.SETTINGS}
    read = _read_in_settings()
    assert sorted(read - listed) == [], "read by settings.py but not in configuration.py"
    assert sorted(listed - read) == [], "in configuration.py but never read by settings.py"


def test_read_refuses_a_variable_the_list_does_not_declare():
    with pytest.raises(LookupError, match="NOT_A_DECLARED_NAME is not declared"):
        settings_module._read("NOT_A_DECLARED_NAME")


def test_every_variable_read_outside_settings_is_listed_with_its_file():
    listed = {v.name: v.read_in for v in configuration.VARIABLES}
    unlisted = {}
    for path in PYTHON_READERS:
        for name in ENVIRON_READ.findall(path.read_text()):
            if name not in listed and name not in NOT_OURS:
                unlisted[name] = str(path.relative_to(ROOT))
    assert unlisted == {}


def test_every_variable_listed_outside_settings_is_read_where_the_list_says():
    for variable in configuration.VARIABLES:
        if variable.read_in == configuration.SETTINGS:
            continue
        source = (ROOT / variable.read_in).read_text()
        assert re.search(rf"\b{variable.name}\b", source), (variable.name, variable.read_in)


def test_env_example_sets_only_listed_variables():
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    assert names
    assert sorted(set(names) - set(configuration.BY_NAME)) == []


def test_configuration_page_is_generated_from_the_list():
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert page == configuration.render(), "run `make docs` and commit docs/configuration.md"
