"""IBM Model 1 EM as map/reduce over word ids: parts sum to the whole, a LocalCluster learns what one process learns, pruning keeps the top translations, an old saved format is recomputed."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from distributed import Client, LocalCluster

from cluster.executors import DaskExecutor
from corpus.schemas import to_table, validate
from tasks.align.corpus import learn_lexicons
from tasks.align.lexicon import (
    FORMAT,
    Lexicon,
    add_dictionary,
    estimate,
    expected_counts,
    lexicon_from_table,
    lexicon_to_table,
    merge_counts,
    merge_vocabularies,
    relabel,
    sentence_pairs,
    words,
)
from tasks.align.options import AlignOptions, read_dictionary
from tasks.base import InProcess
from tests.conftest import SAMPLE, polycorpus

PAIRS = [
    ("la maison bleue", "the blue house"),
    ("la maison", "the house"),
    ("une fleur bleue", "a blue flower"),
    ("la fleur", "the flower"),
    ("une maison", "a house"),
]
UNPRUNED = {"lexicon_min_count": 0.0, "lexicon_top_k": 1000, "lexicon_min_prob": 0.0}


def train(pairs: list[tuple[str, str]], iterations: int, parts: int = 1, **options: float) -> Lexicon:
    """IBM-1 EM over `pairs` by the corpus orchestration, in this process, the pairs cut into `parts` parts of the corpus."""
    cut = [{("fr", "en"): sentence_pairs(pairs[i::parts])} for i in range(parts)]
    return learn_lexicons(InProcess(), cut, AlignOptions(em_iterations=iterations, **options))[("fr", "en")]


def best(lexicon: Lexicon, word: str, reverse: bool = False) -> str:
    row = lexicon.translations(word, reverse)
    return max(row, key=row.get)


def test_words_are_lowercase_word_characters_and_syllables() -> None:
    assert words("Lập trình viên, 100 USD!") == ["lập", "trình", "viên", "100", "usd"]


def test_em_learns_word_translations_both_ways() -> None:
    lexicon = train(PAIRS, iterations=5)
    assert [best(lexicon, w) for w in ("maison", "bleue", "fleur", "la", "une")] == ["house", "blue", "flower", "the", "a"]
    assert best(lexicon, "house", reverse=True) == "maison"
    assert lexicon.translations("chat") == {} and lexicon.translations(""), "an unknown word has none; NULL has some"


def test_counts_summed_over_parts_equal_counts_over_all_pairs() -> None:
    whole = sentence_pairs(PAIRS)
    a, b = sentence_pairs(PAIRS[:2]), sentence_pairs(PAIRS[2:])
    vocabulary = merge_vocabularies(a.vocabulary, b.vocabulary)
    assert list(vocabulary.src) == list(whole.vocabulary.src) and list(vocabulary.tgt) == list(whole.vocabulary.tgt)
    seed = estimate(expected_counts(whole, None), vocabulary, **{k.removeprefix("lexicon_"): v for k, v in UNPRUNED.items()})
    full = expected_counts(whole, seed)
    parts = merge_counts(expected_counts(relabel(a, vocabulary), seed), expected_counts(relabel(b, vocabulary), seed))
    assert parts.pairs == full.pairs == 5
    assert np.allclose(parts.fwd.toarray(), full.fwd.toarray()) and np.allclose(parts.bwd.toarray(), full.bwd.toarray())
    # every target word's count sums to 1 over its sentence's source words (NULL included)
    assert full.fwd.sum() == pytest.approx(sum(len(words(t)) for _, t in PAIRS))


def test_lexicon_learned_over_a_local_cluster_equals_the_one_learned_in_process() -> None:
    pairs = PAIRS * 3 + [("le chat noir", "the black cat"), ("un chat", "a cat"), ("la nuit noire", "the black night")]
    parts = [{("fr", "en"): sentence_pairs(pairs[i::3])} for i in range(3)]
    options = AlignOptions(em_iterations=4)
    here = learn_lexicons(InProcess(), parts, options)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster,
        Client(cluster) as client,
    ):
        executor = DaskExecutor(client)
        there = learn_lexicons(executor, [executor.scatter(p) for p in parts], options)
    assert here.keys() == there.keys() == {("fr", "en")}
    assert here[("fr", "en")] == there[("fr", "en")], "the same pairwise sums and M-step, bit for bit"
    assert len(here[("fr", "en")]) > 0


def test_pruning_keeps_the_learned_top_translations() -> None:
    full = train(PAIRS, iterations=5, **UNPRUNED)
    pruned = train(PAIRS, iterations=5, lexicon_top_k=2, lexicon_min_prob=0.05, lexicon_min_count=0.2)
    assert len(pruned) < len(full)
    for word in ("maison", "bleue", "fleur", "la", "une"):
        kept = pruned.translations(word)
        assert len(kept) <= 2 and all(p >= 0.05 for p in kept.values())
        assert best(pruned, word) == best(full, word)
        top_two = sorted(full.translations(word).items(), key=lambda kv: -kv[1])[:2]
        assert set(kept) <= {t for t, _ in top_two}


def test_parts_do_not_change_the_lexicon() -> None:
    assert train(PAIRS, iterations=3, parts=1).translations("maison") == pytest.approx(train(PAIRS, iterations=3, parts=2).translations("maison"))


def test_counts_and_lexicon_pickle_for_the_workers() -> None:
    part = sentence_pairs(PAIRS)
    counts = expected_counts(part, None)
    lexicon = estimate(counts, part.vocabulary, 0.0, 10, 0.01)
    back = pickle.loads(pickle.dumps(counts))
    assert back.pairs == counts.pairs and (back.fwd != counts.fwd).nnz == 0
    assert pickle.loads(pickle.dumps(lexicon)) == lexicon


def test_lexicon_table_round_trip_keeps_both_directions_and_null() -> None:
    lexicon = train(PAIRS, iterations=3)
    table = validate("lexicon", lexicon_to_table(lexicon, "fr", "en"))
    assert set(zip(table["src_lang"].to_pylist(), table["tgt_lang"].to_pylist())) == {("fr", "en"), ("en", "fr")}
    assert "" in table["src"].to_pylist(), "the NULL word's translations are kept"
    back = lexicon_from_table(table, "fr", "en")
    assert len(back) == len(lexicon)
    for word in ("maison", "", "la"):
        assert back.translations(word) == pytest.approx(lexicon.translations(word))
    assert back.translations("house", reverse=True) == pytest.approx(lexicon.translations("house", reverse=True))
    assert len(lexicon_from_table(table, "fr", "vi")) == 0


def test_dictionary_entries_raise_probabilities(tmp_path) -> None:
    path = tmp_path / "dict.tsv"
    path.write_text("# fr\ten\nmaison\thouse\nchat\tcat\n\n", encoding="utf-8")
    entries = read_dictionary(str(path))
    assert entries == [("maison", "house"), ("chat", "cat")]
    lexicon = add_dictionary(train(PAIRS, iterations=2), entries, prob=0.9)
    assert lexicon.translations("chat")["cat"] == 0.9 and lexicon.translations("cat", reverse=True)["chat"] == 0.9
    assert lexicon.translations("maison")["house"] >= 0.9
    path.write_text("maison house\n", encoding="utf-8")
    with pytest.raises(ValueError, match="source<TAB>target"):
        read_dictionary(str(path))


def test_a_lexicon_saved_in_an_older_format_is_recomputed_not_read(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert polycorpus("ingest", SAMPLE, out) == 0
    assert polycorpus("run", out / "documents", out, "--tasks", "tokenize,align", "--cluster", "sync") == 0
    meta_file = out / "lexicon" / "_lexicon.json"
    meta = json.loads(meta_file.read_text())
    assert meta["version"] == FORMAT
    stale = {k: v for k, v in meta.items() if k != "version"}  # what versions before FORMAT 2 wrote
    meta_file.write_text(json.dumps(stale))
    marker = to_table("lexicon", [{"src_lang": "fr", "tgt_lang": "vi", "src": "stale", "tgt": "entry", "prob": 1.0}])
    pq.write_table(marker, out / "lexicon" / "part-00000.parquet")
    for manifest in (out / "_manifest").glob("*.json"):
        manifest.unlink()  # the shards are pending again, so the run needs the lexicon
    assert polycorpus("run", out / "documents", out, "--tasks", "tokenize,align", "--cluster", "sync") == 0
    assert json.loads(meta_file.read_text())["version"] == FORMAT
    saved = pq.read_table(out / "lexicon" / "part-00000.parquet")
    assert "stale" not in saved.column("src").to_pylist() and saved.num_rows > 1
