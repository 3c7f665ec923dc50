"""Two ways to run a function over many items: in this process, or as one Dask future each.

The runner sees only `map_unordered`, so a local run, a run on an existing scheduler and a cluster
batch job take the same code path; `--cluster sync` is the same loop without Dask, for debugging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from distributed import Client, as_completed


class Executor(Protocol):
    """Runs `fn` over items and yields (item, result or the exception it raised) as each finishes."""

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any], retries: int = 0, key: Callable[[Any], str] | None = None) -> Iterator[tuple[Any, Any]]: ...

    def scatter(self, value: Any) -> Any: ...


class SyncExecutor:
    """Everything in this process, one item after the other."""

    dashboard_link: str | None = None

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any], retries: int = 0, key: Callable[[Any], str] | None = None) -> Iterator[tuple[Any, Any]]:
        """Call `fn` on each item, retrying up to `retries` times, and yield each outcome."""
        for item in items:
            for attempt in range(retries + 1):
                try:
                    outcome = fn(item)
                    break
                except Exception as exc:  # reported to the runner like a failed future
                    outcome = exc
            yield item, outcome

    def scatter(self, value: Any) -> Any:
        """Nothing to ship in-process."""
        return value


class DaskExecutor:
    """One Dask future per item on `client`, retried by Dask; results stream back as they finish."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.dashboard_link = client.dashboard_link

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any], retries: int = 0, key: Callable[[Any], str] | None = None) -> Iterator[tuple[Any, Any]]:
        """Submit every item, then yield (item, result or exception) in completion order."""
        futures = {}
        for item in items:
            name = f"{getattr(fn, '__name__', 'task')}-{key(item)}" if key else None
            futures[self.client.submit(fn, item, retries=retries, pure=False, key=name)] = item
        for future in as_completed(futures):
            item = futures[future]
            try:
                yield item, future.result()
            except Exception as exc:  # the task failed after its retries, or its worker died too often
                yield item, exc
            finally:
                future.release()

    def scatter(self, value: Any) -> Any:
        """Send a large value (a lexicon) to the workers once, to be passed to many tasks."""
        return self.client.scatter(value, broadcast=True)
