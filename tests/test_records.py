"""Typed run records: manifests and run records of the previous version still read, a renamed key is refused with the file named."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from corpus.records import Manifest, RecordError, RunRecord, read_manifests, read_run_record, table_digest, write_manifest, write_run_record
from corpus.storage import Location

# Written by polycorpus before the typed records (main at 624f72e), key for key.
OLD_DONE = {
    "config_hash": "ca1b4f0390f4b299",
    "documents": 156,
    "errors": 0,
    "host": "vm",
    "pid": 2150,
    "rows": {"alignments": 349, "entities": 16, "entity_links": 0, "sentences": 412, "tokens": 412},
    "seconds": 0.1744,
    "shard": "part-00000.parquet",
    "status": "done",
    "tasks": ["align", "entities", "tokenize"],
    "timings": {"align": 0.6345, "annotate.en": 0.0139, "annotate.fr": 0.1077, "annotate.vi": 0.0363},
}
OLD_FAILED = {
    "shard": "part-00001.parquet",
    "status": "failed",
    "tasks": [],
    "failed_tasks": ["tokenize"],
    "config_hash": "ca1b4f0390f4b299",
    "error": "ShardError: x",
}
OLD_RUN = {
    "docs": "/data/documents",
    "config": {},
    "config_hash": "ca1b4f0390f4b299",
    "tasks": ["tokenize"],
    "started": "2026-11-29T21:40:00Z",
    "seconds": 4.2,
    "shards_done": ["part-00000.parquet"],
    "shards_skipped": [],
    "shards_failed": {},
    "shard_seconds": {"part-00000.parquet": 4.1},
    "python": "3.11.7",
    "versions": {"polycorpus": "0.1.0"},
}


def test_records_of_the_previous_version_read(tmp_path: Path) -> None:
    (tmp_path / "_manifest").mkdir()
    (tmp_path / "_manifest" / "part-00000.json").write_text(json.dumps(OLD_DONE))
    (tmp_path / "_manifest" / "part-00001.json").write_text(json.dumps(OLD_FAILED))
    (tmp_path / "_run.json").write_text(json.dumps(OLD_RUN))
    out = Location(str(tmp_path))
    manifests = read_manifests(out)
    assert manifests["part-00000.parquet"].rows["sentences"] == 412 and manifests["part-00001.parquet"].error == "ShardError: x"
    assert read_run_record(out).seconds == 4.2


def test_a_renamed_key_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "_manifest").mkdir()
    (tmp_path / "_manifest" / "part-00000.json").write_text(json.dumps({**OLD_FAILED, "shard_name": "x"}))
    with pytest.raises(RecordError, match=r"part-00000.json is not a polycorpus Manifest.*--force"):
        read_manifests(Location(str(tmp_path)))


def test_a_run_that_did_nothing_keeps_the_last_real_run(tmp_path: Path) -> None:
    out = Location(str(tmp_path))
    real = RunRecord(run_id="a", docs="d", config={}, config_hash="h", tasks=["tokenize"], started="s", seconds=9.0, shards_done=["part-00000.parquet"])
    write_run_record(out, real)
    write_run_record(out, real.model_copy(update={"run_id": "b", "seconds": 0.4, "shards_done": [], "shards_skipped": ["part-00000.parquet"]}))
    assert read_run_record(out).seconds == 9.0
    assert sorted(p.name for p in (tmp_path / "_runs").iterdir()) == ["a.json", "b.json"]
    write_manifest(out, Manifest(shard="part-00000.parquet", status="done", tasks=["tokenize"], config_hash="h"))
    assert read_manifests(out)["part-00000.parquet"].tasks == ["tokenize"]


def test_table_digest_covers_rows_and_types_not_chunks_or_metadata() -> None:
    """A corpus step's saved pairs are keyed by this digest: equal tables, however stored, share it."""
    pairs = pa.table({"src_doc": ["g1-en", "g2-en"], "tgt_doc": ["g1-vi", "g2-vi"], "score": [0.9, 0.5]})
    digest = table_digest(pairs)
    assert len(digest) == 16 and set(digest) <= set("0123456789abcdef")
    assert table_digest(pa.concat_tables([pairs.slice(0, 1), pairs.slice(1)])) == digest  # two chunks
    assert table_digest(pairs.replace_schema_metadata({"written_by": "polycorpus"})) == digest
    assert table_digest(pairs.set_column(2, "score", pa.array([0.9, 0.4]))) != digest  # one value
    assert table_digest(pairs.cast(pa.schema([("src_doc", pa.string()), ("tgt_doc", pa.string()), ("score", pa.float32())]))) != digest
