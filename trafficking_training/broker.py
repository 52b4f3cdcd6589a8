"""Celery's Redis transport, with one Redis client per channel instead of one per publish.

kombu builds a new redis.Redis for every message it publishes, and building one (its
table of ~170 response callbacks) costs about a fifth of a publish: every
registration publishes its confirmation email. The client is built once per channel
and connection pool and reused; redis.Redis takes a connection from the pool for
each command, as a fresh client would. settings.py selects it for redis:// brokers.
"""

from contextlib import contextmanager

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _shared_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        pool = self.pool
        shared = self._shared_client
        if shared is None or shared.connection_pool is not pool:
            shared = self._shared_client = self._create_client()
        yield shared


class Transport(kombu_redis.Transport):
    Channel = Channel
