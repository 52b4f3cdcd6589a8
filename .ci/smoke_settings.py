"""The production settings, with .ci/smoke_urls.py as the URLconf (the smoke test's web only)."""

from trafficking_training.settings import *  # noqa: F403

ROOT_URLCONF = "smoke_urls"
