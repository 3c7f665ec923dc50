"""IBM-1 EM as map/reduce: counts per shard sum to the counts of the whole, and the lexicon round-trips."""

from __future__ import annotations

import pickle

import pytest

from corpus.schemas import validate
from tasks.align.aligner import AlignOptions
from tasks.align.corpus import learn_lexicons
from tasks.align.lexicon import (
    Lexicon,
    add_dictionary,
    estimate,
    expected_counts,
    lexicon_from_table,
    lexicon_to_table,
    merge_counts,
    read_dictionary,
    words,
)
from tasks.base import InProcess

PAIRS = [
    ("la maison bleue", "the blue house"),
    ("la maison", "the house"),
    ("une fleur bleue", "a blue flower"),
    ("la fleur", "the flower"),
    ("une maison", "a house"),
]


def train(pairs: list[tuple[str, str]], iterations: int) -> Lexicon:
    """IBM-1 EM over `pairs` by the corpus orchestration, in this process, all pairs one part of the corpus."""
    return learn_lexicons(InProcess(), [{("fr", "en"): pairs}], AlignOptions(em_iterations=iterations))[("fr", "en")]


def best(lexicon: Lexicon, word: str) -> str:
    row = lexicon.fwd[word]
    return max(row, key=row.get)


def test_words_are_lowercase_word_characters_and_syllables() -> None:
    assert words("Lập trình viên, 100 USD!") == ["lập", "trình", "viên", "100", "usd"]


def test_em_learns_word_translations_both_ways() -> None:
    lexicon = train(PAIRS, iterations=5)
    assert [best(lexicon, w) for w in ("maison", "bleue", "fleur", "la", "une")] == ["house", "blue", "flower", "the", "a"]
    assert max(lexicon.bwd["house"], key=lexicon.bwd["house"].get) == "maison"


def test_counts_summed_over_shards_equal_counts_over_all_pairs() -> None:
    seed = train(PAIRS, iterations=1)
    whole = expected_counts(PAIRS, seed)
    parts = merge_counts([expected_counts(PAIRS[:2], seed), expected_counts(PAIRS[2:], seed)])
    assert parts.pairs == whole.pairs == 5
    assert parts.fwd.keys() == whole.fwd.keys()
    for s, row in whole.fwd.items():
        assert parts.fwd[s] == pytest.approx(row)
    from_parts, from_whole = estimate(parts), estimate(whole)
    for s, row in from_whole.fwd.items():
        assert from_parts.fwd[s] == pytest.approx(row)


def test_counts_and_lexicon_pickle_for_the_workers() -> None:
    counts = expected_counts(PAIRS, None)
    lexicon = estimate(counts)
    assert pickle.loads(pickle.dumps(counts)) == counts
    assert pickle.loads(pickle.dumps(lexicon)) == lexicon


def test_lexicon_table_round_trip_keeps_both_directions() -> None:
    lexicon = train(PAIRS, iterations=3)
    table = validate("lexicon", lexicon_to_table(lexicon, "fr", "en"))
    assert set(zip(table["src_lang"].to_pylist(), table["tgt_lang"].to_pylist())) == {("fr", "en"), ("en", "fr")}
    back = lexicon_from_table(table, "fr", "en")
    assert back.fwd.keys() == lexicon.fwd.keys() and back.bwd.keys() == lexicon.bwd.keys()
    for s, row in lexicon.fwd.items():
        assert back.fwd[s] == pytest.approx(row, rel=1e-6)
    assert lexicon_from_table(table, "fr", "vi") == Lexicon(fwd={}, bwd={})


def test_small_probabilities_are_pruned() -> None:
    lexicon = train(PAIRS, iterations=5)
    assert all(p >= 0.01 for row in lexicon.fwd.values() for p in row.values())


def test_dictionary_entries_raise_probabilities(tmp_path) -> None:
    path = tmp_path / "dict.tsv"
    path.write_text("# fr\ten\nmaison\thouse\nchat\tcat\n\n", encoding="utf-8")
    entries = read_dictionary(str(path))
    assert entries == [("maison", "house"), ("chat", "cat")]
    lexicon = add_dictionary(train(PAIRS, iterations=2), entries, prob=0.9)
    assert lexicon.fwd["chat"]["cat"] == 0.9 and lexicon.bwd["cat"]["chat"] == 0.9
    assert lexicon.fwd["maison"]["house"] >= 0.9
    path.write_text("maison house\n", encoding="utf-8")
    with pytest.raises(ValueError, match="source<TAB>target"):
        read_dictionary(str(path))
