"""A cluster whose workers are slow to stop must not turn a finished run into an error.

A real LocalCluster on 127.0.0.1 with one worker process whose teardown outlasts the close deadline: distributed
raises `TimeoutError` from `close()`, which `close_cluster` turns into one warning (before, `run` printed an empty
"error:" line and exited 2 after writing every row). The worker process is gone afterwards.
"""

from __future__ import annotations

import logging
import time

import psutil
import pytest
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from cluster.client import close_cluster


class SlowStop(WorkerPlugin):
    """Holds the worker's close for `seconds`, as a loaded machine or a slow interpreter exit does."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def teardown(self, worker: object) -> None:
        time.sleep(self.seconds)


def test_a_slow_worker_stop_is_a_warning_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    with Client(cluster) as client:
        client.register_plugin(SlowStop(8.0))
        workers = [child for child in psutil.Process().children(recursive=True) if child.cmdline()[:1] and child.cmdline()[0].startswith("dask worker")]
    assert workers, "the worker process was not found"
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="cluster.client"):
        close_cluster(cluster, timeout=1.0)
    assert time.monotonic() - started < 8.0
    assert any("slow to stop" in r.getMessage() for r in caplog.records)
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"worker processes left running: {[p.pid for p in alive]}"
