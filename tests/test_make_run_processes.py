"""`make run`'s processes: a crashed one is started again with a line saying so, and the
others keep going; Ctrl-C still stops all three cleanly."""

import os
import signal
import time

import pytest

from tests.embedded import EmbeddedDefault


@pytest.fixture
def embedded(tmp_path):
    with EmbeddedDefault(tmp_path / "var") as processes:
        processes.prepare()
        processes.start()
        yield processes


def test_a_killed_worker_comes_back_and_the_site_keeps_answering(embedded):
    web = embedded.pid("web")
    os.kill(embedded.pid("worker"), signal.SIGKILL)

    embedded.wait_for(lambda: embedded.restarts(), 20, "respawn's line about the worker")
    (line,) = embedded.restarts()
    assert "worker was killed by SIGKILL" in line
    assert embedded.status("/") == 200
    embedded.wait_for(lambda: embedded.log().count(" ready.") == 2, 60, "a new worker")
    assert embedded.status("/healthz") == 200
    assert embedded.pid("web") == web  # web was never stopped
    assert "stopped" not in embedded.log()  # nor was anything else, as honcho used to


def test_ctrl_c_stops_all_three_cleanly(embedded):
    started = time.monotonic()
    assert embedded.stop() in (0, 130)
    log = embedded.log()

    assert time.monotonic() - started < 15
    for name in ("web", "worker", "beat"):
        assert f"{name}.1 stopped (rc=0)" in log
    assert "SIGKILL" not in log  # nothing had to be killed after honcho's 5 s
    assert not embedded.restarts()
