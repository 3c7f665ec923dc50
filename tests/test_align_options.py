"""The aligner's options and first-pass pair selection, with expected values written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.align.aligner import Bead, confident_pairs
from tasks.align.options import AlignOptions
from tasks.base import OptionError

# (option, lowest accepted, highest accepted or None, a value just outside on each side)
LIMITS = [
    ("max_bead", 2, 4, (1, 5)),
    ("band", 1, None, (0, None)),
    ("em_iterations", 0, None, (-1, None)),
    ("length_variance", 1e-9, None, (0.0, None)),
    ("lexical_weight", 0, None, (-0.01, None)),
    ("null_cost", 0, None, (-0.01, None)),
    ("coverage_at", 1e-9, None, (0.0, None)),
    ("anchor_weight", 0, None, (-0.01, None)),
    ("cognate_share", 0, 1, (-0.01, 1.01)),
]


@pytest.mark.parametrize(("key", "low", "high", "outside"), LIMITS, ids=[row[0] for row in LIMITS])
def test_each_limit_accepts_its_bounds_and_refuses_beyond(key: str, low: float, high: float | None, outside: tuple) -> None:
    assert getattr(AlignOptions(**{key: low}), key) == low
    if high is not None:
        assert getattr(AlignOptions(**{key: high}), key) == high
    below, above = outside
    with pytest.raises(OptionError) as caught:
        AlignOptions(**{key: below})
    assert caught.value.key == key
    expected = f"must be at least {low} (got {below!r})" if high is None else f"must be from {low} to {high} (got {below!r})"
    assert caught.value.reason == expected
    if above is not None:
        with pytest.raises(OptionError, match=rf"^{key}: must be from {low} to {high} \(got {above!r}\)$"):
            AlignOptions(**{key: above})
    else:
        assert getattr(AlignOptions(**{key: low * 10**6 + 10**6}), key) == low * 10**6 + 10**6


def test_null_cost_may_be_null_and_the_defaults_are_valid() -> None:
    assert AlignOptions(null_cost=None).null_cost is None
    assert AlignOptions().bead_types() == [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3), (3, 2), (2, 3), (4, 1), (1, 4)]
    assert AlignOptions(max_bead=3).bead_types() == [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3), (3, 2), (2, 3)]
    assert AlignOptions(max_bead=2).bead_types() == [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2)]


@pytest.mark.parametrize("pair", ["fr-fr", "fr_vi", "FR-vi", "fra-vi", "fr-vi-en", "fr-"])
def test_pairs_must_be_two_different_codes(pair: str) -> None:
    with pytest.raises(OptionError) as caught:
        AlignOptions(pairs=["en-vi", pair])
    assert caught.value.key == "pairs" and caught.value.reason == f"each entry is two different ISO 639-1 codes joined by '-', such as fr-vi (got {pair!r})"
    assert AlignOptions(pairs=["fr-vi", "en-vi"]).pairs == ["fr-vi", "en-vi"]


def test_an_unreadable_dictionary_is_refused_at_load(tmp_path: Path) -> None:
    missing = tmp_path / "missing.tsv"
    with pytest.raises(OptionError) as caught:
        AlignOptions(dictionary=str(missing))
    assert caught.value.key == "dictionary" and caught.value.reason.startswith(f"cannot read {missing}: ")
    good = tmp_path / "dict.tsv"
    good.write_text("chat\tcat\n", encoding="utf-8")
    assert AlignOptions(dictionary=str(good)).dictionary == str(good)


def test_confident_pairs_are_one_to_one_beads_between_non_null_neighbours() -> None:
    src = ["s0", "s1", "s2", "s3", "s4", "s5", "s6"]
    tgt = ["t0", "t1", "t2", "t3", "t4", "t5"]
    beads = [
        Bead((0,), (0,), 0.9),  # first bead: its one neighbour is 1-1
        Bead((1,), (1,), 0.9),
        Bead((2,), (), 0.1),  # null: not a pair, and its neighbours are not confident
        Bead((3,), (2,), 0.9),
        Bead((4, 5), (3,), 0.9),  # 2-1: not a pair
        Bead((6,), (4,), 0.9),
        Bead((), (5,), 0.1),
    ]
    assert confident_pairs(src, tgt, beads) == [("s0", "t0")]
    assert confident_pairs(src, tgt, beads[3:6]) == [("s3", "t2"), ("s6", "t4")]
    assert confident_pairs(src, tgt, [Bead((0,), (1,), 0.5)]) == [("s0", "t1")]
    assert confident_pairs(src, tgt, []) == []
