"""Cut a stream of items into batches bounded by a total size (characters, usually) and a count."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def batches(items: Iterable[T], size: Callable[[T], int], max_size: int, max_items: int | None = None) -> Iterator[list[T]]:
    """`items` in order, in lists of at most `max_items` whose sizes add up to at most `max_size`
    (an item larger than that goes alone). Reads `items` lazily, one batch ahead at most."""
    batch: list[T] = []
    total = 0
    for item in items:
        item_size = size(item)
        if batch and (total + item_size > max_size or len(batch) == max_items):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += item_size
    if batch:
        yield batch
