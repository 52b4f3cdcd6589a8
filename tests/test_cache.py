"""The Redis cache backend (trafficking_training/cache.py) against a real Redis."""

import os

import pytest

from trafficking_training.cache import SharedClientRedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache():
    backend = SharedClientRedisCache(
        os.environ.get("REDIS_URL", ""), {"KEY_PREFIX": "tt-cache-test"}
    )
    yield backend
    # Not clear(): that flushes the whole Redis database, which other tests share.
    backend.delete_many(["version", "hits", "k"])


def test_shared_client_cache_stores_reads_and_counts(redis_cache):
    redis_cache.set("version", "a1", None)
    assert redis_cache.get("version") == "a1"
    assert redis_cache.add("version", "b2") is False
    assert redis_cache.add("hits", 1) is True
    assert redis_cache.incr("hits") == 2
    redis_cache.delete("version")
    assert redis_cache.get("version", "gone") == "gone"


def test_shared_client_cache_builds_one_redis_client_for_all_calls(redis_cache):
    first = redis_cache._cache.get_client()
    redis_cache.set("k", 1)
    redis_cache.get("k")
    assert redis_cache._cache.get_client(write=True) is first
