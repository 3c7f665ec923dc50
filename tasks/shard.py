"""The registered tasks over one shard's documents, in memory: one spaCy pass per language, rows out, no I/O.

The runner's worker-side wrapper (cluster/shard_job.py) reads the shard and the tables the tasks read,
calls `process_shard`, and writes what it returns. Every task that `annotates` reads the same
annotation, so a document goes through spaCy once whatever the tasks; each language's pipeline is
built once per process with the components those tasks add (tasks/spacy/pipelines.py).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from corpus.records import ErrorRow
from corpus.schemas import to_table
from tasks.base import Rows, ShardData, ShardStep, Task
from tasks.spacy.annotate import Annotated, annotate
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import LanguageSpec

FLUSH_ROWS = 2_000  # row dicts per table turned into Arrow at once
ANNOTATION_STAGES = ("pipeline", "annotate")  # errors-table stages of the shared spaCy pass


@dataclass(frozen=True)
class TaskRun:
    """A task with its options and, for a task with a corpus step, the step's value: what a shard job runs."""

    task: Task
    options: Any
    corpus: Any = None


@dataclass
class ShardOutput:
    """What the tasks made of one shard: a table per output table, error rows, and seconds per phase."""

    tables: dict[str, pa.Table]
    errors: list[ErrorRow] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def rows(self) -> dict[str, int]:
        """Rows per output table."""
        return {name: table.num_rows for name, table in self.tables.items()}


class _Rows:
    """One output table's rows, turned into Arrow every FLUSH_ROWS rows: row dicts of a large shard would take GBs."""

    def __init__(self, table: str, schema: pa.Schema) -> None:
        self.table = table
        self.schema = schema
        self.pending: list[dict] = []
        self.done: list[pa.Table] = []

    def extend(self, rows: list[dict]) -> None:
        self.pending += rows
        if len(self.pending) >= FLUSH_ROWS:
            self._flush()

    def arrow(self) -> pa.Table:
        self._flush()
        return pa.concat_tables(self.done) if self.done else to_table(self.table, [], self.schema)

    def _flush(self) -> None:
        if self.pending:
            self.done.append(to_table(self.table, self.pending, self.schema))
            self.pending = []


def error_stages(runs: Sequence[TaskRun]) -> set[str]:
    """The errors-table stages a shard job over `runs` reports afresh (a rerun replaces their rows)."""
    return {run.task.name for run in runs} | (set(ANNOTATION_STAGES) if any(run.task.annotates for run in runs) else set())


def language_spec(languages: Mapping[str, LanguageSpec], lang: str) -> LanguageSpec:
    """The configured pipeline of `lang`, or a blank one if none is (the tools warn about it once: cluster/languages.py)."""
    return languages.get(lang, LanguageSpec())


def process_shard(data: ShardData, runs: Sequence[TaskRun], languages: Mapping[str, LanguageSpec], batch_size: int) -> ShardOutput:
    """Run `runs` over the shard: each document's annotation to every annotating task, then each task's finish.

    A document the pipeline or a task's `document` fails on becomes an error row (stage "pipeline",
    "annotate" or the task's name) and its neighbours go on; an error in a task's `finish` raises
    (the shard is retried, then marked failed).
    """
    collectors = {table: _Rows(table, run.task.schema(table)) for run in runs for table in run.task.tables}
    steps = [(run, run.task.start(data, run.options, run.corpus)) for run in runs]
    output = ShardOutput(tables={})
    annotating = [(run, step) for run, step in steps if run.task.annotates]
    if annotating:
        components = tuple((run.task.components, run.options) for run, _ in annotating if run.task.components is not None)
        by_lang: dict[str, list[dict]] = defaultdict(list)
        for doc in data.documents:
            by_lang[doc["lang"]].append(doc)
        for lang, docs in sorted(by_lang.items()):
            started = time.perf_counter()
            _annotate_language(data.shard, lang, docs, language_spec(languages, lang), components, annotating, collectors, output.errors, batch_size)
            output.timings[f"annotate.{lang}"] = round(time.perf_counter() - started, 4)
    for run, step in steps:
        started = time.perf_counter()
        _collect(step.finish(), collectors)
        if not run.task.annotates:
            output.timings[run.task.name] = round(time.perf_counter() - started, 4)
    output.tables = {table: rows.arrow() for table, rows in collectors.items()}
    return output


def _annotate_language(
    shard: str,
    lang: str,
    docs: list[dict],
    spec: LanguageSpec,
    components: tuple,
    annotating: list[tuple[TaskRun, ShardStep]],
    collectors: dict[str, _Rows],
    errors: list[ErrorRow],
    batch_size: int,
) -> None:
    try:
        nlp = get_nlp(lang, spec, components)
    except Exception as exc:  # every document of the language is reported; other languages go on
        errors.extend(ErrorRow(doc["doc_id"], shard, "pipeline", type(exc).__name__, str(exc)) for doc in docs)
        return
    texts = [doc["text"] for doc in docs]
    lines = [_lines_are_sentences(doc) for doc in docs]
    for doc, result in zip(docs, annotate(nlp, texts, lines, spec.max_length, batch_size=batch_size)):
        if not isinstance(result, Annotated):
            errors.append(ErrorRow(doc["doc_id"], shard, "annotate", result.error_type, result.message))
            continue
        if not doc["text"].strip():
            errors.append(ErrorRow(doc["doc_id"], shard, "annotate", "EmptyText", "the document text is empty or whitespace only"))
        for run, step in annotating:
            try:
                _collect(step.document(doc, result), collectors)
            except Exception as exc:  # a bad document must not lose its neighbours
                errors.append(ErrorRow(doc["doc_id"], shard, run.task.name, type(exc).__name__, str(exc)))


def _collect(rows: Rows, collectors: dict[str, _Rows]) -> None:
    for table, table_rows in rows.items():
        collectors[table].extend(table_rows)


def _lines_are_sentences(doc: dict) -> bool:
    return bool(doc["meta"] and json.loads(doc["meta"]).get("lines_are_sentences"))
