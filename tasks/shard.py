"""One shard, start to finish: read its documents, run the language steps, write its tables, then its manifest.

This is the unit of work a runner (Dask or a plain loop) hands out. It knows nothing of who runs
it: everything it needs is in the picklable `ShardJob`, and pipelines come from the per-process
cache, so a worker loads each model once.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from corpus.manifest import write_manifest
from corpus.schemas import SCHEMAS, to_table, validate
from corpus.storage import Location
from tasks.spacy.annotate import Annotated, annotate
from tasks.spacy.pipelines import LanguageSpec, get_nlp
from tasks.tokenize import sentence_rows

log = logging.getLogger(__name__)

SHARD_TASKS = ("tokenize", "entities")
TASK_TABLES = {"tokenize": ("sentences", "tokens"), "entities": ("entities", "entity_links"), "align": ("alignments",)}
FLUSH_ROWS = 2_000  # row dicts per table turned into Arrow at once
_warned_blank: set[str] = set()


class ShardError(RuntimeError):
    """A whole shard cannot be processed (its file is unreadable, say); the message names the file."""


@dataclass(frozen=True)
class ShardJob:
    """Everything one shard's work needs, small and picklable."""

    docs_url: str
    out_url: str
    shard: str
    todo: tuple[str, ...]
    already_done: tuple[str, ...]
    languages: tuple[tuple[str, LanguageSpec], ...]
    config_hash: str
    entity_options: Any = None
    align_options: Any = None
    write_manifest: bool = True
    batch_size: int = 64

    def spec(self, lang: str) -> LanguageSpec:
        """The configured pipeline of `lang`; a blank one (with a warning, once per process) if none is."""
        for name, spec in self.languages:
            if name == lang:
                return spec
        if lang not in _warned_blank:
            _warned_blank.add(lang)
            warnings.warn(f"no pipeline configured for language {lang!r}: blank tokenizer, rule-based entities", stacklevel=2)
        return LanguageSpec()


class _Rows:
    """One output table's rows, turned into Arrow every FLUSH_ROWS rows: row dicts of a large shard would take GBs."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.pending: list[dict] = []
        self.done: list[pa.Table] = []
        self.count = 0

    def extend(self, rows: list[dict]) -> None:
        self.pending += rows
        self.count += len(rows)
        if len(self.pending) >= FLUSH_ROWS:
            self._flush()

    def arrow(self) -> pa.Table:
        self._flush()
        return pa.concat_tables(self.done) if self.done else to_table(self.table, [])

    def _flush(self) -> None:
        if self.pending:
            self.done.append(to_table(self.table, self.pending))
            self.pending = []


def read_shard(job: ShardJob) -> pa.Table:
    """The documents of the job's shard, or a ShardError naming the file."""
    docs = Location(job.docs_url)
    try:
        table = docs.read_table(job.shard)
        return validate("documents", table.select([n for n in SCHEMAS["documents"].names if n in table.column_names]))
    except Exception as exc:
        raise ShardError(f"cannot read documents shard {docs.path(job.shard)}: {type(exc).__name__}: {exc}") from exc


def process_shard(job: ShardJob) -> dict:
    """Run the job's tasks over its shard, write each table atomically, then the manifest; return the manifest."""
    started = time.perf_counter()
    documents = read_shard(job).to_pylist()
    rows = {table: _Rows(table) for task in job.todo for table in TASK_TABLES.get(task, ())}
    errors: list[dict] = []
    timings: dict[str, float] = {}
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for doc in documents:
        by_lang[doc["lang"]].append(doc)
    entities_by_doc: dict[str, list] = {}
    for lang, docs in sorted(by_lang.items()):
        t0 = time.perf_counter()
        _process_language(job, lang, docs, rows, errors, entities_by_doc)
        timings[f"annotate.{lang}"] = round(time.perf_counter() - t0, 4)
    if "entities" in job.todo:
        from tasks.entities.extract import entity_tables

        ent_rows, link_rows = entity_tables(documents, entities_by_doc, job.entity_options)
        rows["entities"].extend(ent_rows)
        rows["entity_links"].extend(link_rows)
    out = Location(job.out_url)
    created: list[str] = []
    try:
        written = _write_tables(out, job, rows, errors, created)
        manifest = {
            "shard": job.shard,
            "status": "done",
            "tasks": sorted(set(job.already_done) | set(job.todo)),
            "config_hash": job.config_hash,
            "documents": len(documents),
            "rows": written,
            "errors": len(errors),
            "seconds": round(time.perf_counter() - started, 4),
            "timings": timings,
            "host": socket.gethostname(),
            "pid": os.getpid(),
        }
        if job.write_manifest:
            write_manifest(out, job.shard, manifest)
    except BaseException:  # no part file this attempt created may outlive it without a done manifest
        for table in created:
            out.remove(table, job.shard)
        raise
    return manifest


def _write_tables(out: Location, job: ShardJob, rows: dict[str, _Rows], errors: list[dict], created: list[str]) -> dict[str, int]:
    """Write the job's tables and errors, noting in `created` each table whose part file is new; rows per table."""
    written: dict[str, int] = {}
    for table in [t for task in job.todo for t in TASK_TABLES.get(task, ())] + ["errors"]:
        if not out.exists(table, job.shard):
            created.append(table)
        if table == "errors":
            _write_errors(out, job, errors)
        else:
            out.write_table(table, rows[table].arrow(), table, job.shard)
            written[table] = rows[table].count
    return written


def _process_language(job: ShardJob, lang: str, docs: list[dict], rows: dict[str, _Rows], errors: list, entities_by_doc: dict) -> None:
    spec = job.spec(lang)
    with_entities = "entities" in job.todo
    if with_entities:
        from tasks.entities.extract import entities_of
    try:
        nlp = get_nlp(lang, spec, job.entity_options if with_entities else None)
    except Exception as exc:
        for doc in docs:
            errors.append(_error(doc["doc_id"], job.shard, "pipeline", type(exc).__name__, str(exc)))
        return
    disable = [] if with_entities else [name for name in nlp.pipe_names if name in ("ner", "tok2vec")]
    texts = [doc["text"] for doc in docs]
    lines = [_lines_are_sentences(doc) for doc in docs]
    for doc, result in zip(docs, annotate(nlp, texts, lines, spec.max_length, disable, job.batch_size)):
        if not isinstance(result, Annotated):
            errors.append(_error(doc["doc_id"], job.shard, "annotate", result.error_type, result.message))
            continue
        if not doc["text"].strip():
            errors.append(_error(doc["doc_id"], job.shard, "annotate", "EmptyText", "the document text is empty or whitespace only"))
        if "tokenize" in job.todo:
            sentences, tokens = sentence_rows(doc["doc_id"], lang, doc["text"], result)
            rows["sentences"].extend(sentences)
            rows["tokens"].extend(tokens)
        if with_entities:
            try:
                entities_by_doc[doc["doc_id"]] = entities_of(result, lang, job.entity_options)
            except Exception as exc:  # a bad document must not lose its neighbours
                errors.append(_error(doc["doc_id"], job.shard, "entities", type(exc).__name__, str(exc)))


def _lines_are_sentences(doc: dict) -> bool:
    return bool(doc["meta"] and json.loads(doc["meta"]).get("lines_are_sentences"))


def _error(doc_id: str | None, shard: str, stage: str, error_type: str, message: str) -> dict:
    return {"doc_id": doc_id, "shard": shard, "stage": stage, "error_type": error_type, "message": message}


def _write_errors(out: Location, job: ShardJob, errors: list[dict]) -> None:
    """Replace this run's stages in the shard's errors file, keeping rows of stages not redone."""
    stages = {"annotate", "pipeline", *job.todo}
    kept: list[dict] = []
    if out.exists("errors", job.shard):
        kept = [row for row in out.read_table("errors", job.shard).to_pylist() if row["stage"] not in stages]
    out.write_table("errors", to_table("errors", kept + errors), "errors", job.shard)
