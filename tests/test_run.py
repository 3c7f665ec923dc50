"""`polycorpus run`: exact offsets, the same rows on a LocalCluster as in-process, reruns that skip, DuckDB counts of hand-counted input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from tests.conftest import generated_jsonl, polycorpus, read_dir


def _texts(out: Path) -> dict[str, str]:
    docs = read_dir(out / "documents").to_pylist()
    return {d["doc_id"]: d["text"] for d in docs}


def test_sample_offsets_are_exact(sample_run: Path) -> None:
    texts = _texts(sample_run)
    sentences = read_dir(sample_run / "sentences").to_pylist()
    tokens = read_dir(sample_run / "tokens").to_pylist()
    assert {s["lang"] for s in sentences} == {"en", "fr", "vi"}
    for s in sentences:
        assert texts[s["doc_id"]][s["start"] : s["end"]] == s["text"]
    for row in tokens:
        text = texts[row["doc_id"]]
        assert len(row["tokens"]) == len(row["starts"]) == len(row["ends"]) > 0
        for token, start, end in zip(row["tokens"], row["starts"], row["ends"]):
            assert text[start:end] == token
    assert sum(1 for s in sentences if s["lang"] == "fr") == 12


def test_sample_vietnamese_words_are_single_tokens(sample_run: Path) -> None:
    vi_tokens = [t for row in read_dir(sample_run / "tokens").to_pylist() if row["lang"] == "vi" for t in row["tokens"]]
    assert "nghiên cứu viên" in vi_tokens or "nghiên cứu" in vi_tokens
    assert "Lucas Beyer" in vi_tokens


def _rows(out: Path, table: str) -> list[tuple]:
    return sorted(tuple(str(v) for v in row.values()) for row in read_dir(out / table).to_pylist())


def test_local_cluster_equals_sync_and_reruns_skip(tmp_path: Path) -> None:
    src = generated_jsonl(tmp_path / "gen.jsonl", groups=700)
    docs = tmp_path / "ingested"
    assert polycorpus("ingest", src, docs, "--shard-size", "0.02") == 0
    shards = sorted((docs / "documents").glob("part-*.parquet"))
    assert len(shards) >= 8 and sum(pq.read_metadata(p).num_rows for p in shards) >= 2000
    sync, local = tmp_path / "sync", tmp_path / "local"
    assert polycorpus("run", docs / "documents", sync, "--tasks", "tokenize", "--cluster", "sync") == 0
    assert polycorpus("run", docs / "documents", local, "--tasks", "tokenize", "--workers", "2") == 0
    for table in ("sentences", "tokens", "errors"):
        assert _rows(sync, table) == _rows(local, table)
        assert sorted(p.name for p in (sync / table).iterdir()) == sorted(p.name for p in (local / table).iterdir())

    outputs = sorted(p for p in local.rglob("*") if p.is_file() and "_run.json" not in p.name)
    mtimes = {p: os.stat(p).st_mtime_ns for p in outputs}
    assert polycorpus("run", docs / "documents", local, "--tasks", "tokenize", "--cluster", "sync") == 0
    assert {p: os.stat(p).st_mtime_ns for p in outputs} == mtimes
    assert polycorpus("run", docs / "documents", local, "--tasks", "tokenize", "--cluster", "sync", "--force") == 0
    assert all(os.stat(p).st_mtime_ns != mtimes[p] for p in outputs if p.parent.name in ("tokens", "_manifest"))
    assert _rows(sync, "tokens") == _rows(local, "tokens")


# Documents whose sentences and tokens a reader can count: (lang, text), the split in the comment.
COUNTED = [
    ("en", "The cat sleeps. It dreams of mice."),  # The cat sleeps . | It dreams of mice .
    ("en", "Prices rose 5%."),  # Prices rose 5 % .
    ("fr", "Le chat dort. Il rêve d'une souris."),  # Le chat dort . | Il rêve d' une souris .
    ("vi", "Hà Nội đẹp. Tôi yêu Hà Nội."),  # Hà_Nội đẹp . | Tôi yêu Hà_Nội .
]


def test_duckdb_counts_tokens_and_sentences_per_language(tmp_path: Path) -> None:
    src = tmp_path / "counted.jsonl"
    src.write_text("".join(json.dumps({"lang": lang, "text": text}, ensure_ascii=False) + "\n" for lang, text in COUNTED), encoding="utf-8")
    out = tmp_path / "out"
    assert polycorpus("ingest", src, out) == 0
    assert polycorpus("run", out / "documents", out, "--tasks", "tokenize", "--cluster", "sync") == 0
    expected = {"en": (2 + 1, 9 + 5), "fr": (2, 10), "vi": (2, 7)}  # (sentences, tokens) of COUNTED, summed per language
    query = f"SELECT lang, count(*), sum(len(tokens)) FROM read_parquet('{out}/tokens/*.parquet') GROUP BY lang"
    assert {lang: (sentences, tokens) for lang, sentences, tokens in duckdb.sql(query).fetchall()} == expected


def test_stats_json_matches_tables(sample_run: Path, capsys) -> None:
    import json

    capsys.readouterr()
    assert polycorpus("stats", sample_run, "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["languages"]["fr"]["sentences"] == 12
    assert stats["totals"]["documents"] == 3
    assert stats["shards"] == {"done": 1, "failed": 0, "pending": 0}
