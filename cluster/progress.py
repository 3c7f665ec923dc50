"""Progress of a run on stderr: a bar over shard jobs and documents, the rate, and an ETA weighted by documents.

On a terminal one line is redrawn in place; otherwise (a batch job's log) a plain line is printed
at most every few seconds. Every finished shard also goes to the `cluster.progress` logger, which
the run's log file (cluster/logs.py) records but the terminal does not show.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import pyarrow.parquet as pq

from corpus.storage import Location

log = logging.getLogger("cluster.progress")
log.propagate = False  # the bar is the terminal's view; the run log attaches its own handler here
_PLAIN_EVERY = 10.0  # seconds between plain lines when stderr is not a terminal
_WIDTH = 24


def count_documents(docs: Location, shards: Iterable[str]) -> dict[str, int]:
    """Documents per shard, from the Parquet footers (a few parallel reads, also on object stores).

    An unreadable shard counts 0 here: its own task fails and reports the file, the others go on.
    """

    def rows(shard: str) -> int:
        try:
            with docs.fs.open(docs.path(shard), "rb") as handle:
                return pq.read_metadata(handle).num_rows
        except Exception:  # a corrupt or truncated shard must not stop the whole run
            return 0

    names = sorted(set(shards))
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(names, pool.map(rows, names)))


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Progress:
    """Counts finished jobs (one per shard and phase) and their documents, and shows how far and how long to go."""

    def __init__(self, jobs: list[str], documents: dict[str, int] | None = None) -> None:
        self.documents = documents or {}
        self.total = len(jobs)
        self.total_weight = sum(self._weight(shard) for shard in jobs)
        self.total_docs = sum(self.documents.get(shard, 0) for shard in set(jobs))
        self.finished = self.failed = self.done_docs = 0
        self.done_weight = 0.0
        self.seen: set[str] = set()
        self.started = self.last_plain = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def _weight(self, shard: str) -> float:
        return max(1, self.documents.get(shard, 1))

    def advance(self, shard: str, failed: bool = False) -> None:
        """Record one finished job of `shard` and show the new state."""
        self.finished += 1
        self.failed += failed
        self.done_weight += self._weight(shard)
        if shard not in self.seen:
            self.seen.add(shard)
            self.done_docs += self.documents.get(shard, 0)
        line = self.line()
        log.info("%s  %s%s", line, shard, " FAILED" if failed else "")
        now = time.perf_counter()
        if self.tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif now - self.last_plain >= _PLAIN_EVERY or self.finished == self.total:
            self.last_plain = now
            print(line, file=sys.stderr, flush=True)

    def line(self) -> str:
        """The status line: bar, shards, documents, rate, failures, elapsed time and ETA."""
        elapsed = time.perf_counter() - self.started
        share = self.done_weight / self.total_weight if self.total_weight else 1.0
        eta = elapsed / share * (1 - share) if share else 0.0
        filled = int(round(share * _WIDTH))
        rate = self.done_docs / elapsed if elapsed > 0 else 0.0
        return (
            f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%} shards {self.finished}/{self.total}"
            f" docs {self.done_docs}/{self.total_docs} ({rate:.{0 if rate >= 10 else 1}f}/s) failed {self.failed}"
            f" elapsed {_duration(elapsed)} eta {_duration(eta)}"
        )

    def close(self) -> None:
        """End the status line."""
        if self.tty and self.total:
            print(file=sys.stderr)
