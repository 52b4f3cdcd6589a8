"""Bench-only settings: the project's settings plus a bare baseline view (bench/urls_bench.py).

Never used by the product: bench/common.py points DJANGO_SETTINGS_MODULE here.
"""

from trafficking_training.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
