"""Two ways to run a function over many items: in this process, or as one Dask future each.

Both are a `tasks.base.MapReduce` (what corpus steps are written against) plus `map_unordered`, what
the runner hands shard jobs to; so a local run, a run on an existing scheduler and a cluster batch job
take the same code path, and `--cluster sync` is the same loop without Dask, for debugging.
"""

from __future__ import annotations

import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from distributed import Client, as_completed

from tasks.base import InProcess, MapReduce


class Executor(MapReduce):
    """A MapReduce that also runs `fn` over items and yields (item, result or the exception it raised) as each finishes."""

    dashboard_link: str | None = None

    @abstractmethod
    def map_unordered(
        self, fn: Callable[..., Any], items: Iterable[Any], *shared: Any, retries: int = 0, key: Callable[[Any], str] | None = None
    ) -> Iterator[tuple[Any, Any]]:
        """Call `fn(item, *shared)` for every item, retried up to `retries` times; yield (item, result or exception)."""


class SyncExecutor(InProcess, Executor):
    """Everything in this process, one item after the other."""

    def map_unordered(
        self, fn: Callable[..., Any], items: Iterable[Any], *shared: Any, retries: int = 0, key: Callable[[Any], str] | None = None
    ) -> Iterator[tuple[Any, Any]]:
        """Call `fn(item, *shared)` on each item, retrying up to `retries` times, and yield each outcome."""
        for item in items:
            for _ in range(retries + 1):
                try:
                    outcome = fn(item, *shared)
                    break
                except Exception as exc:  # reported to the runner like a failed future
                    outcome = exc
            yield item, outcome


class DaskExecutor(Executor):
    """One Dask future per item on `client`, retried by Dask; results stream back as they finish."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.dashboard_link = client.dashboard_link

    def map_unordered(
        self, fn: Callable[..., Any], items: Iterable[Any], *shared: Any, retries: int = 0, key: Callable[[Any], str] | None = None
    ) -> Iterator[tuple[Any, Any]]:
        """Submit `fn(item, *shared)` for every item, then yield (item, result or exception) in completion order."""
        futures = {}
        for item in items:
            name = f"{getattr(fn, '__name__', 'task')}-{key(item)}-{uuid.uuid4().hex[:8]}" if key else None
            futures[self.client.submit(fn, item, *shared, retries=retries, pure=False, key=name)] = item
        for future in as_completed(futures):
            item = futures[future]
            try:
                yield item, future.result()
            except Exception as exc:  # the task failed after its retries, or its worker died too often
                yield item, exc
            finally:
                future.release()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A future of `fn(*args)`; futures among the args are resolved on the worker."""
        return self.client.submit(fn, *args, pure=False)

    def gather(self, handle: Any) -> Any:
        """The result of a future, raising its task's error."""
        return self.client.gather(handle)

    def scatter(self, value: Any) -> Any:
        """Send a large value (a lexicon) to the workers once, to be passed to many tasks."""
        [future] = self.client.scatter([value], broadcast=True, hash=False)
        return future
