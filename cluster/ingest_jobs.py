"""Parallel ingest: corpus.ingest's per-file and per-partition steps run on the executor `run` uses.

`polycorpus ingest ... --cluster TYPE --workers N` hands `corpus.ingest.ingest` this mapper: each
input file is read, and each spill partition cut into shards, on a worker. The steps' outputs depend
only on their arguments, so the result equals a one-process ingest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cluster.client import open_executor
from cluster.config import ClusterConfig
from corpus.ingest import Mapper


def _call(item: tuple[int, tuple], fn: Callable[..., Any]) -> Any:
    return fn(*item[1])


@contextlib.contextmanager
def cluster_mapper(cfg: ClusterConfig) -> Iterator[Mapper]:
    """A mapper over the `cluster` config section's executor (started and stopped here, as `run` does).

    The mapper returns results in the order of its items and raises the first failure it sees.
    """
    with open_executor(cfg, preload=("corpus.ingest",)) as executor:

        def mapper(fn: Callable[..., Any], items: Sequence[tuple]) -> list[Any]:
            results: list[Any] = [None] * len(items)
            name = getattr(fn, "__name__", "ingest")
            for (index, _), outcome in executor.map_unordered(_call, list(enumerate(items)), fn, key=lambda item: f"{name}-{item[0]}"):
                if isinstance(outcome, BaseException):
                    raise outcome
                results[index] = outcome
            return results

        yield mapper
