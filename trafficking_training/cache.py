"""Django's Redis cache, with one client object per connection pool.

Django's RedisCacheClient builds a new redis.Redis for every cache call, and
building one (its table of ~170 response callbacks) costs more CPU than the GET it
then sends. Public pages read the cache on every request (events/page_cache.py),
so the client is built once and shared: redis.Redis is safe across threads, the
pool hands each command its own connection.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class SharedClientRedisCache(RedisCache):
    """settings.CACHES backend: RedisCache with SharedClientRedisCacheClient."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
