"""A progress line on stderr: shards finished out of the total, failures, and an ETA."""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts finished shards and redraws one status line (a plain line per shard when stderr is not a terminal)."""

    def __init__(self, total: int) -> None:
        self.total, self.finished, self.failed = total, 0, 0
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def advance(self, shard: str, failed: bool = False) -> None:
        """Record one finished shard and show the new state."""
        self.finished += 1
        self.failed += failed
        elapsed = time.perf_counter() - self.started
        eta = elapsed / self.finished * (self.total - self.finished)
        line = f"shards {self.finished}/{self.total} ({self.failed} failed) elapsed {elapsed:.0f}s eta {eta:.0f}s  {shard}"
        if self.tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        """End the status line."""
        if self.tty and self.total:
            print(file=sys.stderr)
