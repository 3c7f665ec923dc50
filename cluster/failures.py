"""Why a shard failed, in words that say what to change: the message a failed manifest and `run`'s summary carry.

Most failures are the shard's own exception, named with its type. A shard whose workers keep dying
(Dask's KilledWorker: `distributed.scheduler.allowed-failures` + 1 workers died while running it) is
almost always out of memory: the nanny kills a worker past 95% of its memory limit, and the kernel
kills one past its cgroup's. The message then sets the need of a worker against the limit the cluster
config gives each, and names the setting to raise.
"""

from __future__ import annotations

from dask.utils import format_bytes, parse_bytes
from distributed.scheduler import KilledWorker

from cluster.config import ClusterConfig

# Peak RSS of one Dask worker process after `run` with the default tasks and pipelines (en blank,
# fr_core_news_md, vi pyvi) on 20 kB shards: `benchmarks/worker_memory.py --runs 3` measured 595, 600
# and 603 MB. Larger shards add to it (`benchmarks/shard_memory.py`: about 100 MB more at 1 MB of text).
WORKER_NEED_MB = 600

# The setting that sets each worker's memory, per cluster type.
_SETTING = {
    "local": "cluster.memory_limit",
    "slurm": "cluster.slurm.memory (per job; shared by cores / threads_per_worker workers)",
    "kubernetes": "cluster.kubernetes.resources.limits.memory",
    "address": "the --memory-limit of the `dask worker`s you started",
}


def failure_message(exc: BaseException, cluster: ClusterConfig) -> str:
    """One line for a shard that failed with `exc`: its type and message, or for KilledWorker the likely cause and the fix."""
    if isinstance(exc, KilledWorker):
        return killed_message(exc.allowed_failures + 1, cluster)
    return f"{type(exc).__name__}: {exc}"


def worker_memory_limit(cluster: ClusterConfig) -> int | None:
    """The memory limit of each worker the config starts, in bytes; None when it sets none or cannot know (address, auto)."""
    try:
        if cluster.type == "local" and isinstance(cluster.memory_limit, str) and cluster.memory_limit != "auto":
            return parse_bytes(cluster.memory_limit)
        if cluster.type == "local" and isinstance(cluster.memory_limit, int | float) and cluster.memory_limit > 1:
            return int(cluster.memory_limit)
        if cluster.type == "slurm" and cluster.slurm.memory:
            return parse_bytes(cluster.slurm.memory) // max(1, cluster.slurm.cores // cluster.threads_per_worker)
        if cluster.type == "kubernetes":
            limit = cluster.kubernetes.resources.get("limits", {}).get("memory")
            return parse_bytes(str(limit)) if limit else None
    except (ValueError, TypeError):
        return None
    return None


def killed_message(deaths: int, cluster: ClusterConfig) -> str:
    """The message for a shard during which `deaths` workers died: memory as the likely cause, need against limit, the setting."""
    need = f"about {WORKER_NEED_MB} MB with the default pipelines, more for larger shards"
    limit = worker_memory_limit(cluster)
    setting = _SETTING.get(cluster.type, "cluster.memory_limit")
    if limit is not None and limit < WORKER_NEED_MB * 2**20:
        cause = f"out of memory: a worker needs {need}, and {setting} gives each {format_bytes(limit)}"
    else:
        given = f"{setting} gives each {format_bytes(limit)}" if limit is not None else f"its limit is {setting}"
        cause = f"most likely out of memory (a worker needs {need}; {given}), or a crash in native code (see the worker logs)"
    return (
        f"KilledWorker: {deaths} worker{'s' if deaths != 1 else ''} died while running this shard; {cause}. "
        f"Raise {setting.split(' (')[0]}, or make shards smaller (ingest --shard-size)"
    )
