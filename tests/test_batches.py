"""Batches bounded by total size and count: order kept, nothing lost, bounds held, read lazily."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from tasks.spacy.batches import batches


@given(st.lists(st.text(max_size=30)), st.integers(1, 50), st.none() | st.integers(1, 6))
def test_batches_keep_order_and_bounds(texts: list[str], max_size: int, max_items: int | None) -> None:
    cut = list(batches(texts, len, max_size, max_items))
    assert [t for batch in cut for t in batch] == texts
    for batch in cut:
        assert batch and (len(batch) == 1 or sum(map(len, batch)) <= max_size)
        assert max_items is None or len(batch) <= max_items
    for batch, following in zip(cut, cut[1:]):  # a batch closes only when the next item would not fit
        assert sum(map(len, batch)) + len(following[0]) > max_size or len(batch) == max_items


def test_batches_read_an_endless_stream_lazily() -> None:
    first = next(batches(itertools.repeat("abc"), len, 10))
    assert first == ["abc"] * 3
