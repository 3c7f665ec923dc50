"""The worker-side wrapper of a shard job: read the shard, run the tasks (tasks/shard.py), write its tables, then its manifest.

This is the unit of work an executor (Dask or a plain loop) hands out, and the only writer of done
manifests. Everything it needs is in the picklable `ShardJob`; pipelines come from the per-process
cache, so a worker loads each model once. Tables are written under temporary names and renamed; the
manifest is written last, so a shard killed midway is simply pending.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from corpus.records import Manifest, TaskHashes, read_manifest, write_manifest
from corpus.schemas import SCHEMAS, to_table, validate
from corpus.storage import Location
from tasks.base import ShardData
from tasks.shard import ShardOutput, TaskRun, error_stages, process_shard
from tasks.spacy.spec import LanguageSpec


class ShardError(RuntimeError):
    """A whole shard cannot be processed (its file is unreadable, say); the message names the file."""


@dataclass(frozen=True)
class ShardJob:
    """Everything one shard's work in one phase needs, small and picklable.

    `runs` are the tasks to do (with options; corpus values are passed separately, scattered once, or cut
    by shard: `corpus` holds (task name, this shard's part of its corpus value));
    `already_done` the tasks whose outputs the shard keeps from earlier phases or runs; `hashes` decide each task's
    hash in the manifest, `config_hash` is recorded beside them; `workspace` is the URL of the corpus step's
    folder for intermediate files while its map runs (`ShardData.workspace`).
    """

    docs_url: str
    out_url: str
    shard: str
    runs: tuple[TaskRun, ...]
    already_done: tuple[str, ...]
    languages: tuple[tuple[str, LanguageSpec], ...]
    config_hash: str
    hashes: TaskHashes
    batch_size: int
    corpus: tuple[tuple[str, Any], ...] = ()
    workspace: str | None = None

    @property
    def todo(self) -> tuple[str, ...]:
        """The names of the job's tasks."""
        return tuple(run.task.name for run in self.runs)


@dataclass(frozen=True)
class JobResult:
    """A finished job: the manifest it wrote, and this job's own documents read, wall seconds and seconds per phase."""

    manifest: Manifest
    documents: int
    seconds: float
    timings: dict[str, float]


def load_shard(job: ShardJob, corpus: dict[str, Any] | None = None) -> ShardData:
    """The shard's documents and the tables its tasks read (an empty table where a part file is missing), partners' rows added; ShardError names an unreadable file.

    `corpus` holds the corpus-step values the tasks' `partner_documents` may need (none while a corpus step maps).
    """
    docs = Location(job.docs_url)
    try:
        documents = _documents(docs, job.shard)
    except Exception as exc:
        raise ShardError(f"cannot read documents shard {docs.path(job.shard)}: {type(exc).__name__}: {exc}") from exc
    out = Location(job.out_url)
    inputs: dict[str, pa.Table] = {}
    for name in {table for run in job.runs for table in run.task.reads}:
        inputs[name] = out.read_table(name, job.shard) if out.exists(name, job.shard) else to_table(name, [])
    wanted: dict[str, set[str]] = {}
    for run in job.runs:
        if run.task.partners:
            for partner_shard, doc_id in run.task.partner_documents(job.shard, inputs, (corpus or {}).get(run.task.name)):
                if partner_shard != job.shard:
                    wanted.setdefault(partner_shard, set()).add(doc_id)
    for name in sorted({table for run in job.runs for table in run.task.partners}):
        if name == "documents":
            inputs[name] = pa.concat_tables([_partner_rows(_documents(docs, s), ids) for s, ids in sorted(wanted.items())]) if wanted else documents.slice(0, 0)
        else:
            parts = [_partner_rows(out.read_table(name, s), ids) for s, ids in sorted(wanted.items()) if out.exists(name, s)]
            inputs[name] = pa.concat_tables([inputs[name], *parts])
    return ShardData(job.shard, documents.to_pylist(), inputs)


def _documents(docs: Location, shard: str) -> pa.Table:
    """A documents shard, its columns validated against the pinned schema."""
    table = docs.read_table(shard)
    return validate("documents", table.select([n for n in SCHEMAS["documents"].names if n in table.column_names]))


def _partner_rows(table: pa.Table, doc_ids: set[str]) -> pa.Table:
    """The rows of `table` whose doc_id is one of `doc_ids`, in table order."""
    return table.filter(pc.is_in(table.column("doc_id"), value_set=pa.array(sorted(doc_ids), pa.string())))


def corpus_map(job: ShardJob) -> Any:
    """The corpus-step map of the job's one task over its shard (read here, on the worker), with the step's workspace."""
    (run,) = job.runs
    return run.task.corpus.map(replace(load_shard(job), workspace=job.workspace), run.options)


def run_job(job: ShardJob, corpus: dict[str, Any] | None = None) -> JobResult:
    """Do the job: its tasks over the shard, each table written atomically, then the errors part, then the manifest.

    `corpus` holds the corpus-step value of each task that has one. Returns the manifest written and the job's times. On
    any failure, the part files this attempt created are removed before the error propagates.
    """
    started = time.perf_counter()
    corpus = {**(corpus or {}), **dict(job.corpus)}
    data = load_shard(job, corpus)
    runs = [TaskRun(run.task, run.options, corpus.get(run.task.name)) for run in job.runs]
    output = process_shard(data, runs, dict(job.languages), job.batch_size)
    out = Location(job.out_url)
    created: list[str] = []
    try:
        errors = _write_tables(out, job, output, created)
        seconds = time.perf_counter() - started
        manifest = _manifest(out, job, len(data.documents), {doc["lang"] for doc in data.documents}, output, errors, seconds)
        write_manifest(out, manifest)
    except BaseException:  # no part file this attempt created may outlive it without a done manifest
        for table in created:
            out.remove(table, job.shard)
        raise
    return JobResult(manifest, len(data.documents), round(seconds, 4), output.timings)


def _write_tables(out: Location, job: ShardJob, output: ShardOutput, created: list[str]) -> int:
    """Write the output tables, then the errors part (this job's stages replaced, other stages' rows kept); its row count."""
    schemas = {table: run.task.schema(table) for run in job.runs for table in run.task.tables}
    for table, data in [*output.tables.items(), ("errors", None)]:
        if not out.exists(table, job.shard):
            created.append(table)
        if data is not None:
            out.write_table(table, data, table, job.shard, schema=schemas[table])
    stages = error_stages(job.runs)
    kept = [row for row in out.read_table("errors", job.shard).to_pylist() if row["stage"] not in stages] if "errors" not in created else []
    rows = kept + [e.row() for e in output.errors]
    out.write_table("errors", to_table("errors", rows), "errors", job.shard)
    return len(rows)


def _manifest(out: Location, job: ShardJob, documents: int, languages: set[str], output: ShardOutput, errors: int, seconds: float) -> Manifest:
    """This job's done manifest, merged with what an earlier phase or run wrote for the tasks the shard keeps; `languages` are its documents'."""
    previous = read_manifest(out, job.shard) if job.already_done else None
    if previous is not None and previous.status != "done":
        previous = None
    tasks = sorted(set(job.already_done) | set(job.todo))
    hashes = job.hashes.for_languages(languages)
    return Manifest(
        shard=job.shard,
        status="done",
        tasks=tasks,
        config_hash=job.config_hash,
        task_hashes={task: hashes[task] for task in tasks},
        languages=sorted(languages),
        documents=documents,
        rows={**(previous.rows if previous else {}), **output.rows()},
        errors=errors,
        seconds=round(seconds + (previous.seconds if previous else 0.0), 4),
        timings={**(previous.timings if previous else {}), **output.timings},
        host=socket.gethostname(),
        pid=os.getpid(),
    )
