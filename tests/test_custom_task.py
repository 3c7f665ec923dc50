"""A task of the test's own, registered without touching cluster/ or corpus/: listed, configured, run in-process and on a LocalCluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tasks.base import Rows, ShardData, Task, option
from tasks.registry import register, unregister
from tests.conftest import SAMPLE, generated_jsonl, polycorpus, read_dir

SCHEMA = pa.schema(
    [pa.field("doc_id", pa.string(), nullable=False), pa.field("lang", pa.string(), nullable=False), pa.field("words", pa.int32(), nullable=False)]
)


@dataclass(frozen=True)
class WordCountOptions:
    """Options of the test's task."""

    min_words: int = option(0, "documents with fewer words are left out")


class WordCountStep:
    """Words per document from the shared spaCy pass."""

    def __init__(self, options: WordCountOptions) -> None:
        self.options = options

    def document(self, doc: dict, annotated: Any) -> Rows:
        words = sum(1 for _, chunk in annotated.chunks for token in chunk if not token.is_space)
        return {"word_counts": [{"doc_id": doc["doc_id"], "lang": doc["lang"], "words": words}] if words >= self.options.min_words else []}

    def finish(self) -> Rows:
        return {}


def start(shard: ShardData, options: WordCountOptions, corpus: Any = None) -> WordCountStep:
    return WordCountStep(options)


TASK = Task(
    name="wordcount",
    doc="words per document (a test task)",
    tables=("word_counts",),
    start=start,
    options=WordCountOptions,
    annotates=True,
    schemas={"word_counts": SCHEMA},
)


@pytest.fixture
def registered() -> Iterator[Task]:
    register(TASK)
    yield TASK
    unregister(TASK.name)


def test_listed_with_its_options(registered: Task, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert polycorpus("tasks", "--json") == 0
    listing = {task["name"]: task for task in json.loads(capsys.readouterr().out)}
    assert listing["wordcount"]["tables"] == ["word_counts"]
    assert listing["wordcount"]["options"] == [{"name": "min_words", "type": "int", "default": 0, "doc": "documents with fewer words are left out"}]


def test_runs_in_process_and_on_a_local_cluster(registered: Task, tmp_path: Path) -> None:
    src = generated_jsonl(tmp_path / "gen.jsonl", groups=20)
    docs = tmp_path / "in"
    assert polycorpus("ingest", src, docs, "--shard-size", "0.002") == 0
    config = tmp_path / "c.yaml"
    config.write_text("wordcount:\n  min_words: 8\n", encoding="utf-8")
    sync, local = tmp_path / "sync", tmp_path / "local"
    assert polycorpus("run", docs / "documents", sync, "--tasks", "wordcount", "--cluster", "sync", "--config", config) == 0
    assert polycorpus("run", docs / "documents", local, "--tasks", "wordcount", "--workers", "2", "--config", config) == 0
    rows = read_dir(sync / "word_counts").to_pylist()
    documents = read_dir(docs / "documents").to_pylist()
    assert 0 < len(rows) < len(documents) and all(row["words"] >= 8 for row in rows)
    assert sorted(map(str, rows)) == sorted(map(str, read_dir(local / "word_counts").to_pylist()))
    manifest = json.loads((sync / "_manifest" / "part-00000.json").read_text())
    assert manifest["tasks"] == ["wordcount"] and "word_counts" in manifest["rows"]


def test_an_unknown_task_is_refused_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert polycorpus("ingest", SAMPLE, tmp_path) == 0
    assert polycorpus("run", tmp_path / "documents", tmp_path / "out", "--tasks", "wordcount", "--cluster", "sync") == 2
    assert "unknown task(s) wordcount" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
