"""Make the executor a run asks for: in-process, a LocalCluster, or a scheduler somebody else started.

What polycorpus starts it also stops; a scheduler it merely connected to is never shut down.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from cluster.config import ConfigError
from cluster.executors import DaskExecutor, Executor, SyncExecutor

log = logging.getLogger(__name__)


def _local_cluster(cfg: dict[str, Any]) -> Any:
    from distributed import LocalCluster

    workers = cfg["n_workers"] or os.cpu_count() or 1
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=cfg["threads_per_worker"],
        processes=True,
        memory_limit=cfg["memory_limit"],
        host="127.0.0.1",
        dashboard_address=cfg["dashboard_address"],
    )


@contextlib.contextmanager
def open_executor(cfg: dict[str, Any]) -> Iterator[Executor]:
    """The executor for the `cluster` config section, closed (and its cluster stopped, if ours) on exit."""
    from distributed import Client

    kind = cfg["type"]
    if kind == "sync":
        yield SyncExecutor()
        return
    if kind == "address":
        if cfg["scheduler_file"]:
            client = Client(scheduler_file=cfg["scheduler_file"], timeout="30s")
        else:
            client = Client(cfg["scheduler_address"], timeout="30s")
        try:
            yield DaskExecutor(client)
        finally:
            client.close()  # the scheduler is not ours: never shut it down
        return
    if kind == "local":
        cluster = _local_cluster(cfg)
    else:
        raise ConfigError(f"cluster.type {kind!r} is not available in this build")
    client = Client(cluster)
    try:
        yield DaskExecutor(client)
    finally:
        client.close()
        cluster.close()
