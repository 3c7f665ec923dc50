"""Reruns redo only what changed: a task is redone where its own hash changed, and the saved lexicon is reused.

Checked through what a user sees: which output files a rerun rewrites (their mtimes), the rows they hold,
and the manifests' task hashes. The sample run through every task is the starting point (a copy of the
session's `sample_full_run`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from corpus.schemas import to_table
from corpus.storage import Location
from tests.conftest import polycorpus, read_dir


def _mtimes(out: Path, *tables: str) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for table in tables for p in sorted((out / table).glob("*")) if p.is_file()}


def _manifest(out: Path, shard: str = "part-00000") -> dict:
    return json.loads((out / "_manifest" / f"{shard}.json").read_text())


@pytest.fixture
def out(sample_full_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(sample_full_run, copy)
    return copy


def _money(out: Path) -> set[tuple[str, str]]:
    return {(row["text"], row["currency"]) for row in read_dir(out / "entities").to_pylist() if row["label"] == "MONEY"}


def test_a_changed_entity_option_redoes_entities_and_not_tokenize_or_align(out: Path, tmp_path: Path) -> None:
    assert ("100 millions de dollars", "USD") in _money(out)
    kept = _mtimes(out, "sentences", "tokens", "alignments", "lexicon")
    entities = _mtimes(out, "entities", "entity_links")
    before = _manifest(out)["task_hashes"]
    config = tmp_path / "cad.yaml"
    config.write_text("entities: {dollar: CAD}\n")

    assert polycorpus("run", out / "documents", out, "--cluster", "sync", "--config", config) == 0

    assert _mtimes(out, "sentences", "tokens", "alignments", "lexicon") == kept
    rewritten = _mtimes(out, "entities", "entity_links")
    assert rewritten.keys() == entities.keys() and all(rewritten[name] != entities[name] for name in entities)
    assert ("100 millions de dollars", "CAD") in _money(out) and ("100 millions de dollars", "USD") not in _money(out)
    after = _manifest(out)["task_hashes"]
    assert after["tokenize"] == before["tokenize"] and after["align"] == before["align"] and after["entities"] != before["entities"]
    assert json.loads((out / "_run.json").read_text())["shards_done"] == ["part-00000.parquet"]

    kept = _mtimes(out, "sentences", "tokens", "entities", "alignments")
    assert polycorpus("run", out / "documents", out, "--cluster", "sync", "--config", config) == 0  # nothing changed: nothing redone
    assert _mtimes(out, "sentences", "tokens", "entities", "alignments") == kept


def _documents(folder: Path, lang: str, texts: list[str]) -> None:
    rows = [{"doc_id": f"{lang}-{i}", "group_id": None, "lang": lang, "title": "", "text": t, "source": "test", "meta": "{}"} for i, t in enumerate(texts)]
    Location(str(folder.parent)).write_table("documents", to_table("documents", rows), folder.name, f"part-0000{['fr', 'vi'].index(lang)}.parquet")


def test_a_changed_language_model_redoes_the_shards_of_that_language_only(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    _documents(docs, "fr", ["Le chat dort. Il rêve de souris.", "La société a annoncé lundi un nouveau modèle."])
    _documents(docs, "vi", ["Công ty cho biết hôm thứ hai.", "Mô hình mới của họ rẻ hơn."])
    out = tmp_path / "out"
    assert polycorpus("run", docs, out, "--tasks", "tokenize", "--cluster", "sync") == 0
    fr, vi = _mtimes(out, "tokens", "sentences"), {}
    vi = {name: fr.pop(name) for name in list(fr) if "part-00001" in name}
    hashes = {shard: _manifest(out, shard)["task_hashes"]["tokenize"] for shard in ("part-00000", "part-00001")}
    assert _manifest(out, "part-00000")["languages"] == ["fr"] and _manifest(out, "part-00001")["languages"] == ["vi"]
    config = tmp_path / "sm.yaml"
    config.write_text("languages: {fr: {model: fr_core_news_sm}}\n")

    assert polycorpus("run", docs, out, "--tasks", "tokenize", "--cluster", "sync", "--config", config) == 0

    now = _mtimes(out, "tokens", "sentences")
    assert {name: now[name] for name in vi} == vi
    assert all(now[name] != fr[name] for name in fr)
    assert _manifest(out, "part-00001")["task_hashes"]["tokenize"] == hashes["part-00001"]
    assert _manifest(out, "part-00000")["task_hashes"]["tokenize"] != hashes["part-00000"]


def test_the_saved_lexicon_is_reused_by_a_later_run(out: Path, tmp_path: Path) -> None:
    lexicon = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted((out / "lexicon").iterdir())}
    assert lexicon, "the align task saved no lexicon"
    beads = read_dir(out / "alignments").to_pylist()
    shutil.rmtree(out / "alignments")
    for manifest in (out / "_manifest").iterdir():  # as if the run had been killed after training the lexicon
        manifest.unlink()

    assert polycorpus("run", out / "documents", out, "--tasks", "align", "--cluster", "sync") == 0

    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted((out / "lexicon").iterdir())} == lexicon  # nothing trained
    assert read_dir(out / "alignments").to_pylist() == beads

    config = tmp_path / "em.yaml"
    config.write_text("align: {em_iterations: 2}\n")  # a lexicon option: the lexicon is trained again
    assert polycorpus("run", out / "documents", out, "--tasks", "align", "--cluster", "sync", "--config", config) == 0
    assert all(os.stat(out / "lexicon" / name).st_mtime_ns != mtime for name, (mtime, _) in lexicon.items())
