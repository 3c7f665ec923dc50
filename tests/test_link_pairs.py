"""link_pairs: the documents docalign paired across shards get projection and entity_links as if they shared a group_id."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from tasks.entities.pairs import pair_groups
from tests.conftest import polycorpus, read_dir
from tests.test_docalign import PAIRS, write_corpus


def rows(out: Path, table: str) -> list[dict]:
    """A table's rows without group_id, sorted: what must not depend on whether a group came from ingest or from docalign."""
    return sorted(json.dumps({k: v for k, v in r.items() if k != "group_id"}, sort_keys=True, default=str) for r in read_dir(out / table).to_pylist())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("link_pairs")
    docs, grouped = write_corpus(work), write_corpus(work, grouped=True)
    out = {"sync": work / "sync", "local": work / "local", "grouped": work / "grouped-out"}
    assert polycorpus("run", docs, out["sync"], "--tasks", "entities,docalign", "--cluster", "sync") == 0
    assert polycorpus("run", docs, out["local"], "--tasks", "entities,docalign", "--workers", "2") == 0
    assert polycorpus("run", grouped, out["grouped"], "--tasks", "entities", "--cluster", "sync") == 0
    return out


def test_paired_documents_in_other_shards_are_projected_and_linked(runs: dict[str, Path]) -> None:
    out = runs["sync"]
    pairs = read_dir(out / "document_pairs").to_pylist()
    assert {(p["src_doc_id"], p["tgt_doc_id"]) for p in pairs} == PAIRS and any(p["src_shard"] != p["tgt_shard"] for p in pairs)
    entities = read_dir(out / "entities").to_pylist()
    projected = {(e["doc_id"], e["text"]) for e in entities if e["source"] == "projection"}
    assert ("storm-haiphong-en", "Haiphong") in projected  # typed by the French side only, in another shard
    links = read_dir(out / "entity_links").to_pylist()
    linked = {(link["link_id"], link["doc_id"]) for link in links}
    by_link: dict[str, set[str]] = {}
    for link_id, doc_id in linked:
        by_link.setdefault(link_id, set()).add(doc_id)
    assert {"coders-en", "coders-fr"} in by_link.values() and {"storm-haiphong-en", "storm-haiphong-fr"} in by_link.values()
    assert all(docs <= {f"{name}-en", f"{name}-fr"} for docs in by_link.values() for name in [next(iter(docs)).rsplit("-", 1)[0]])
    assert not {d for _, d in linked} & {"lone-en"}
    assert all(link["group_id"] is None for link in links)
    for e in entities:  # each doc's ent_idx runs 0..n-1 once
        assert sum(1 for f in entities if f["doc_id"] == e["doc_id"] and f["ent_idx"] == e["ent_idx"]) == 1


def test_same_rows_as_if_the_pairs_shared_a_group_id(runs: dict[str, Path]) -> None:
    for table in ("entities", "entity_links"):
        assert rows(runs["sync"], table) == rows(runs["grouped"], table)


def test_sync_and_local_cluster_give_the_same_rows(runs: dict[str, Path]) -> None:
    for table in ("entities", "entity_links"):
        assert rows(runs["sync"], table) == rows(runs["local"], table)


def test_rerun_changes_nothing_and_force_gives_the_same_rows(runs: dict[str, Path], tmp_path: Path) -> None:
    out = runs["sync"]
    before = {t: rows(out, t) for t in ("entities", "entity_links")}
    docs = Path(json.loads((out / "_run.json").read_text())["docs"])
    assert polycorpus("run", docs, out, "--tasks", "entities,docalign", "--cluster", "sync") == 0
    assert {t: rows(out, t) for t in ("entities", "entity_links")} == before
    assert polycorpus("run", docs, tmp_path / "again", "--tasks", "docalign,entities", "--cluster", "sync") == 0
    assert {t: rows(tmp_path / "again", t) for t in ("entities", "entity_links")} == before


def test_grouped_corpus_rows_unchanged_by_docalign(runs: dict[str, Path], tmp_path: Path) -> None:
    grouped = Path(json.loads((runs["grouped"] / "_run.json").read_text())["docs"])
    assert polycorpus("run", grouped, tmp_path / "out", "--tasks", "entities,docalign", "--cluster", "sync") == 0
    for table in ("entities", "entity_links"):
        assert read_dir(tmp_path / "out" / table).to_pylist() == read_dir(runs["grouped"] / table).to_pylist()


def _phases(out: Path) -> set[str]:
    return set(json.loads((out / "_run.json").read_text())["phases"])


def test_a_changed_pairing_redoes_what_reads_it_and_an_unchanged_one_nothing(tmp_path: Path) -> None:
    docs = write_corpus(tmp_path)
    out, config = tmp_path / "out", tmp_path / "c.yaml"
    tasks = ("--tasks", "entities,docalign,align", "--cluster", "sync", "--config", str(config))
    config.write_text("docalign: {}\n", encoding="utf-8")
    assert polycorpus("run", docs, out, *tasks) == 0
    scores = sorted(r["score"] for r in read_dir(out / "document_pairs").to_pylist())
    config.write_text("docalign: {buckets: 3}\n", encoding="utf-8")  # another join, the same pairs
    assert polycorpus("run", docs, out, *tasks) == 0
    assert _phases(out) == {"docalign"}  # its corpus step and shard jobs; align, its lexicon and link_pairs kept
    config.write_text(f"docalign: {{min_score: {(scores[0] + scores[-1]) / 2}}}\n", encoding="utf-8")  # the weakest pairs go
    assert polycorpus("run", docs, out, *tasks) == 0
    assert {"docalign", "pair_groups", "link_pairs", "lexicon", "align"} <= _phases(out)
    pairs = {(r["src_doc_id"], r["tgt_doc_id"]) for r in read_dir(out / "document_pairs").to_pylist()}
    assert pairs and pairs < PAIRS and {(b["src_doc_id"], b["tgt_doc_id"]) for b in read_dir(out / "alignments").to_pylist()} == pairs
    assert polycorpus("run", docs, tmp_path / "fresh", *tasks) == 0  # link_pairs over its own rows gives a fresh run's
    for table in ("entities", "entity_links", "alignments"):
        assert rows(out, table) == rows(tmp_path / "fresh", table)
    assert polycorpus("run", docs, out, *tasks) == 0
    assert _phases(out) == {"docalign", "pair_groups", "link_pairs", "lexicon", "align"}  # _run.json is the last run that did work
    assert json.loads(sorted((out / "_runs").glob("*.json"))[-1].read_text())["shards_done"] == []


def test_pair_groups_are_the_connected_pairs_and_each_shard_gets_its_own() -> None:
    pairs = pa.table({"src_doc_id": ["en1", "en1", "fr2"], "tgt_doc_id": ["fr1", "vi1", "vi2"], "src_shard": ["a", "a", "b"], "tgt_shard": ["b", "c", "c"]})
    groups = pair_groups(pairs)
    group = {r["doc_id"]: r["pair_group"] for r in groups.table.to_pylist()}
    assert group["en1"] == group["fr1"] == group["vi1"] != group["fr2"] == group["vi2"]
    parts = groups.by_shard(["a", "b", "c", "d"])
    assert sorted(parts["a"].partners("a")) == [("b", "fr1"), ("c", "vi1")]
    assert sorted(parts["b"].partners("b")) == [("a", "en1"), ("c", "vi1"), ("c", "vi2")]
    assert parts["c"].table.num_rows == 5 and parts["d"].table.num_rows == 0
    assert parts["b"].of(["fr1", "lone"]) == {"fr1": ("b", group["fr1"])}
