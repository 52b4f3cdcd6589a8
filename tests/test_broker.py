"""The Redis broker transport (trafficking_training/broker.py) against a real Redis."""

import os

import pytest
from kombu import Connection

from trafficking_training.broker import Transport

pytestmark = pytest.mark.redis


def test_publishes_through_one_client_and_delivers_every_message_in_order():
    with Connection(os.environ.get("REDIS_URL", ""), transport=Transport) as connection:
        queue = connection.SimpleQueue("tt-broker-test")
        try:
            queue.clear()
            queue.put({"n": 1})
            client = connection.default_channel._shared_client
            queue.put({"n": 2})
            assert connection.default_channel._shared_client is client
            received = []
            for _ in range(2):
                message = queue.get(timeout=5)
                received.append(message.payload)
                message.ack()
            assert received == [{"n": 1}, {"n": 2}]
        finally:
            queue.clear()
            queue.close()
