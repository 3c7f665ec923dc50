"""Progress of a run on stderr, one phase at a time: the phase's name, a bar, its shards and documents or its steps, the rate and an ETA.

On a terminal one line per phase is redrawn in place; otherwise (a batch job's log) a plain line is
printed at most every few seconds and at the end of each phase. Every finished shard and step also
goes to the `cluster.progress` logger, which the run's log file (cluster/logs.py) records but the
terminal does not show.
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
    """How far a run is, phase by phase: each phase (annotate, lexicon, align, ...) has its own counts, rate and ETA.

    A phase of shard jobs counts shards and their documents, its ETA weighted by documents; a corpus
    step's phase counts its steps ("EM iteration 2 of 5"), its ETA from their mean time. The wall
    seconds of every phase are kept in `seconds`.
    """

    def __init__(self, documents: dict[str, int] | None = None) -> None:
        self.documents = documents or {}
        self.seconds: dict[str, float] = {}
        self.tty = sys.stderr.isatty()
        self.name = ""
        self._open = False
        self._reset([])

    def _reset(self, shards: list[str]) -> None:
        self.shards = len(shards)
        self.total_weight = sum(self._weight(shard) for shard in shards)
        self.total_docs = sum(self.documents.get(shard, 0) for shard in set(shards))
        self.finished = self.failed = self.done_docs = 0
        self.done_weight = 0.0
        self.stage, self.steps_done, self.steps = "", 0, 0
        self.started = self.last_plain = time.perf_counter()

    def _weight(self, shard: str) -> float:
        return max(1, self.documents.get(shard, 1))

    def phase(self, name: str, shards: list[str] | None = None) -> None:
        """End the current phase and start `name`: over `shards` (one job each), or none for a corpus step, which reports `step`s."""
        self._end()
        self.name = name
        self._reset(shards or [])
        self._open = True
        log.info("phase %s started%s", name, f": {len(shards)} shards" if shards else "")

    def advance(self, shard: str, failed: bool = False) -> None:
        """Record one finished shard job of the current phase and show the new state."""
        self.finished += 1
        self.failed += failed
        self.done_weight += self._weight(shard)
        self.done_docs += self.documents.get(shard, 0)
        self._show(f"  {shard}{' FAILED' if failed else ''}", self.finished == self.shards)

    def step(self, stage: str, done: int, total: int) -> None:
        """Record a corpus step's progress: `done` of `total` steps finished, `stage` running now."""
        self.stage, self.steps_done, self.steps = stage, done, total
        self._show("", done == total)

    def _show(self, detail: str, last: bool) -> None:
        line = self.line()
        log.info("%s%s", line, detail)
        now = time.perf_counter()
        if self.tty:
            print("\r" + line + "\x1b[K", end="", file=sys.stderr, flush=True)
        elif now - self.last_plain >= _PLAIN_EVERY or last:
            self.last_plain = now
            print(line, file=sys.stderr, flush=True)

    def line(self) -> str:
        """The status line of the current phase: name, bar, shards and documents (or its stage), rate, failures, elapsed time and ETA."""
        elapsed = time.perf_counter() - self.started
        if self.steps:
            share = self.steps_done / self.steps
            counts = self.stage
        else:
            share = self.done_weight / self.total_weight if self.total_weight else 1.0
            rate = self.done_docs / elapsed if elapsed > 0 else 0.0
            counts = f"shards {self.finished}/{self.shards} docs {self.done_docs}/{self.total_docs} ({rate:.{0 if rate >= 10 else 1}f}/s) failed {self.failed}"
        eta = elapsed / share * (1 - share) if share else 0.0
        filled = int(round(share * _WIDTH))
        return (
            f"{self.name} [{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%} {counts} elapsed {_duration(elapsed)} eta {_duration(eta) if share else '?'}"
        )

    def _end(self) -> None:
        if self._open:
            self.seconds[self.name] = round(self.seconds.get(self.name, 0.0) + time.perf_counter() - self.started, 3)
            log.info("phase %s took %.1f s", self.name, self.seconds[self.name])
            if self.tty:
                print(file=sys.stderr)
        self._open = False

    def close(self) -> None:
        """End the current phase (its seconds are kept) and its status line."""
        self._end()
