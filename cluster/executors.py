"""Two ways to run a function over many items: in this process, or as one Dask future each.

Both are a `tasks.base.MapReduce` (what corpus steps are written against) plus `map_unordered`, what
the runner hands shard jobs to; so a local run, a run on an existing scheduler and a cluster batch job
take the same code path, and `--cluster sync` is the same loop without Dask, for debugging.
"""

from __future__ import annotations

import logging
import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from distributed import Client, as_completed
from distributed.scheduler import KilledWorker

from tasks.base import InProcess, MapReduce

log = logging.getLogger(__name__)


class Executor(MapReduce):
    """A MapReduce that also runs `fn` over items and yields (item, result or the exception it raised) as each finishes."""

    dashboard_link: str | None = None
    listener: Callable[[str, int, int], None] | None = None  # hears corpus steps' progress (the runner's Progress.step)

    def progress(self, stage: str, done: int, total: int) -> None:
        """Pass a corpus step's progress to the listener, if any."""
        if self.listener is not None:
            self.listener(stage, done, total)

    @abstractmethod
    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        *shared: Any,
        retries: int = 0,
        final: tuple[type[BaseException], ...] = (),
        key: Callable[[Any], str] | None = None,
    ) -> Iterator[tuple[Any, Any]]:
        """Call `fn(item, *shared)` for every item; yield (item, result or exception) as each finishes.

        An item whose call raises is tried again, up to `retries` more times, each retry logged with its
        cause; an exception of a `final` type (no retry can help: a full disk) is yielded at once.
        """


class SyncExecutor(InProcess, Executor):
    """Everything in this process, one item after the other."""

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        *shared: Any,
        retries: int = 0,
        final: tuple[type[BaseException], ...] = (),
        key: Callable[[Any], str] | None = None,
    ) -> Iterator[tuple[Any, Any]]:
        """Call `fn(item, *shared)` on each item, retried as `Executor.map_unordered` says, and yield each outcome."""
        for item in items:
            for attempt in range(retries + 1):
                try:
                    outcome = fn(item, *shared)
                    break
                except Exception as exc:  # reported to the runner like a failed future
                    outcome = exc
                    if not _retry(exc, attempt, retries, final, key(item) if key else repr(item)):
                        break
            yield item, outcome


def _retry(exc: BaseException, attempt: int, retries: int, final: tuple[type[BaseException], ...], name: str) -> bool:
    """Whether a call that raised `exc` on try `attempt` (0 first) is tried again; logs the retry and its cause."""
    if isinstance(exc, final) or attempt >= retries:
        return False
    log.warning("%s failed (%s: %s); retry %d of %d", name, type(exc).__name__, exc, attempt + 1, retries)
    return True


class DaskExecutor(Executor):
    """One Dask future per item on `client`, retried from here; results stream back as they finish."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.dashboard_link = client.dashboard_link

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        *shared: Any,
        retries: int = 0,
        final: tuple[type[BaseException], ...] = (),
        key: Callable[[Any], str] | None = None,
    ) -> Iterator[tuple[Any, Any]]:
        """Submit `fn(item, *shared)` for every item, then yield (item, result or exception) in completion order.

        Retries are resubmissions from here, not Dask's own `retries`, so that a `final` exception is
        never retried. A worker that dies or is retired mid-task is not a failure: Dask reruns the task
        elsewhere (or when a worker joins again), up to `distributed.scheduler.allowed-failures` deaths;
        then the task's KilledWorker is final too.
        """
        futures: dict[Any, tuple[Any, int]] = {}

        def submit(item: Any, attempt: int) -> Any:
            name = f"{getattr(fn, '__name__', 'task')}-{key(item)}-{uuid.uuid4().hex[:8]}" if key else None
            future = self.client.submit(fn, item, *shared, pure=False, key=name)
            futures[future] = (item, attempt)
            return future

        pending = as_completed([submit(item, 0) for item in items])
        for future in pending:
            item, attempt = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # the task raised, or its worker died too often (KilledWorker)
                outcome = exc
                if _retry(exc, attempt, retries, (*final, KilledWorker), key(item) if key else repr(item)):
                    pending.add(submit(item, attempt + 1))
                    continue
            finally:
                future.release()
            yield item, outcome

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
