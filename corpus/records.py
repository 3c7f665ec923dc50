"""Typed run records, the one module that writes and reads them: shard manifests, run records and error rows.

`OUT/_manifest/part-NNNNN.json` is a shard's completion marker: it exists only once the shard's outputs
are all in place (status done), or once the runner gave up on it (status failed); anything else is
pending. Only the runner's worker-side wrapper writes a done manifest, last, as datatrove's executors
write completion markers. `OUT/_runs/<run id>.json` records every run; `OUT/_run.json` is the latest run
that did any work (a no-op rerun does not hide the last real run's numbers).

Each task done on a shard is recorded with its own hash (`TaskHashes`): the digest of its options, of the
pipeline settings of the shard's languages and of the hashes of the tasks it requires. A rerun redoes a
task only where that hash changed, so a changed entity option redoes entities but not tokenize, and a
changed language model redoes the tasks of the shards that hold that language.

A record that does not parse (written by an incompatible version, or edited) raises RecordError naming
the file and what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corpus.storage import Location

MANIFEST_DIR = "_manifest"
RUN_FILE = "_run.json"
RUNS_DIR = "_runs"
VERSIONED_PACKAGES = ("polycorpus", "dask", "distributed", "spacy", "pyvi", "pyarrow")


class RecordError(ValueError):
    """A manifest or run record that cannot be read; the message names the file and what to do."""


class Manifest(BaseModel):
    """One shard's completion marker.

    status "done": `tasks` are all in place, with `rows` per table, `errors` rows written, `documents` read,
    `seconds` of work on the shard (every phase; wall time on its worker) and `timings` per phase
    ("annotate.<lang>", "<task>" for a task's finish or shard step). status "failed": `failed_tasks` were
    given up after their retries, with `error`; `tasks` done before stay valid. `languages` are the
    languages of the shard's documents and `task_hashes` the hash of each task in `tasks` (`TaskHashes`);
    `config_hash` is the whole config's, for the record.
    """

    model_config = ConfigDict(extra="forbid")

    shard: str
    status: Literal["done", "failed"]
    tasks: list[str]
    config_hash: str
    task_hashes: dict[str, str] = Field(default_factory=dict)
    languages: list[str] = Field(default_factory=list)
    failed_tasks: list[str] = Field(default_factory=list)
    error: str | None = None
    documents: int | None = None
    rows: dict[str, int] = Field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict)
    host: str | None = None
    pid: int | None = None


class RunRecord(BaseModel):
    """What one `polycorpus run` did: inputs, config, tasks, shards, wall time and where the time went.

    `seconds` is the wall time of the whole run; `phases` the wall seconds of each phase, in run order:
    "annotate" (the shard jobs of the tasks that annotate), a corpus step named after its table ("lexicon":
    the first pass and IBM-1 EM of `align`), then the shard jobs of later tasks ("align");
    `task_seconds` the worker seconds summed over shards per task and annotation; `documents` those read
    by this run's shard jobs.
    """

    model_config = ConfigDict(extra="forbid")

    run_id: str = ""
    docs: str
    config: dict
    config_hash: str
    tasks: list[str]
    started: str
    seconds: float
    phases: dict[str, float] = Field(default_factory=dict)
    task_seconds: dict[str, float] = Field(default_factory=dict)
    documents: int = 0
    shards_done: list[str] = Field(default_factory=list)
    shards_skipped: list[str] = Field(default_factory=list)
    shards_failed: dict[str, str] = Field(default_factory=dict)
    shard_seconds: dict[str, float] = Field(default_factory=dict)
    python: str = Field(default_factory=platform.python_version)
    versions: dict[str, str | None] = Field(default_factory=dict)

    @property
    def did_work(self) -> bool:
        """Whether any shard was processed or failed (a no-op rerun did nothing)."""
        return bool(self.shards_done or self.shards_failed)


@dataclass(frozen=True)
class ErrorRow:
    """One row of the `errors` table: a failed document (doc_id) or shard (doc_id None), at a stage."""

    doc_id: str | None
    shard: str
    stage: str
    error_type: str
    message: str

    def row(self) -> dict:
        """The row as the errors table's pinned schema takes it."""
        return asdict(self)


def shard_stem(shard: str) -> str:
    """`part-00003.parquet` -> `part-00003`."""
    return shard.rsplit(".", 1)[0]


_ADVICE = {
    "Manifest": "rerun with --force to redo every shard, or run into a new output folder",
    "RunRecord": "delete it (it only records a past run) or move it away",
}


def _parse(model: type[BaseModel], out: Location, *parts: str) -> BaseModel:
    try:
        return model.model_validate(out.read_json(*parts))
    except ValidationError as exc:
        first = exc.errors()[0]
        detail = f"{'.'.join(map(str, first['loc'])) or 'the record'}: {first['msg']}"
    except ValueError as exc:  # not JSON, or not UTF-8
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    raise RecordError(f"{out.path(*parts)} is not a polycorpus {model.__name__} this version can read ({detail}); {_ADVICE[model.__name__]}")


def write_manifest(out: Location, manifest: Manifest) -> None:
    """Write a shard's manifest atomically (always the last file a shard writes)."""
    out.write_json(manifest.model_dump(exclude_none=True), MANIFEST_DIR, shard_stem(manifest.shard) + ".json")


def read_manifest(out: Location, shard: str) -> Manifest | None:
    """The manifest of one shard, or None when it has none yet; RecordError when it cannot be read."""
    name = shard_stem(shard) + ".json"
    return _parse(Manifest, out, MANIFEST_DIR, name) if out.exists(MANIFEST_DIR, name) else None  # type: ignore[return-value]


def read_manifests(out: Location) -> dict[str, Manifest]:
    """Every manifest under OUT, keyed by shard file name; RecordError names one that cannot be read."""
    manifests = [_parse(Manifest, out, MANIFEST_DIR, name) for name in out.list(MANIFEST_DIR, suffix=".json")]
    return {m.shard: m for m in manifests}  # type: ignore[attr-defined]


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that decide a run's outputs (None when one is missing)."""
    versions: dict[str, str | None] = {}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def new_run_id(started: float) -> str:
    """A run id that sorts by start time: `20261129T214025Z-<pid>`."""
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))}-{os.getpid()}"


def write_run_record(out: Location, record: RunRecord) -> None:
    """Keep the record under OUT/_runs/; it also becomes OUT/_run.json when the run did any work."""
    data = record.model_dump()
    out.write_json(data, RUNS_DIR, record.run_id + ".json")
    if record.did_work or not out.exists(RUN_FILE):
        out.write_json(data, RUN_FILE)


def read_run_record(out: Location) -> RunRecord | None:
    """The latest real run's record (OUT/_run.json), or None before the first run; RecordError when unreadable."""
    return _parse(RunRecord, out, RUN_FILE) if out.exists(RUN_FILE) else None  # type: ignore[return-value]


def read_runs(out: Location) -> list[RunRecord]:
    """Every run recorded under OUT/_runs/, no-op reruns included, oldest first (run ids sort by start time); RecordError names an unreadable one."""
    return [_parse(RunRecord, out, RUNS_DIR, name) for name in out.list(RUNS_DIR, suffix=".json")]  # type: ignore[misc]


def digest(value: Any) -> str:
    """16 hex digits of SHA-256 over `value` as sorted-key JSON (other values by `str`)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def table_digest(table: pa.Table) -> str:
    """16 hex digits of SHA-256 over a table's schema and rows, as one Arrow IPC stream (schema metadata and chunking left out)."""
    clean = table.replace_schema_metadata(None).combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, clean.schema) as writer:
        writer.write_table(clean)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:16]


@dataclass(frozen=True)
class TaskHashes:
    """What decides each task's outputs, as digests; `for_languages` gives the hash of every task on a shard.

    `options`: task name -> digest of its options; `requires`: task name -> the tasks it requires;
    `languages`: configured language -> digest of its pipeline settings (model, user dictionary,
    max_length); `unlisted`: the digest for a language with no entry (it gets a blank pipeline);
    `inputs`: task name -> {task: digest of its saved corpus-step value} for the corpus-wide tables it reads
    (`align` and `link_pairs` read `document_pairs`, which docalign's pairs decide), when those are saved;
    `partnered`: the tasks that read their partner documents' rows from other shards (`Task.partners`).
    A task's hash on a shard covers its options, the settings of the shard's languages (every task reads the
    shared spaCy pass or tables made from it), its inputs and the hashes of the tasks it requires, so a
    change reaches exactly the tasks downstream of it: a changed pairing redoes what reads the pairs. A
    partnered task with inputs (its partners come from the pairs, in other shards and in any language)
    covers the settings of every language instead: a partner language's new model redoes it too.
    """

    options: dict[str, str]
    requires: dict[str, tuple[str, ...]]
    languages: dict[str, str]
    unlisted: str
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    partnered: tuple[str, ...] = ()

    def for_languages(self, languages: Iterable[str]) -> dict[str, str]:
        """The hash of every task on a shard whose documents are in `languages` (ISO codes, any order)."""
        settings = {lang: self.languages.get(lang, self.unlisted) for lang in sorted(set(languages))}
        every = {**{lang: self.languages[lang] for lang in sorted(self.languages)}, "*": self.unlisted}  # a partner's language may be any
        hashes: dict[str, str] = {}

        def of(task: str) -> str:
            if task not in hashes:
                inputs = {"inputs": self.inputs[task]} if self.inputs.get(task) else {}
                langs = every if inputs and task in self.partnered else settings
                hashes[task] = digest({"options": self.options[task], "languages": langs, "requires": {r: of(r) for r in self.requires[task]}, **inputs})
            return hashes[task]

        for task in self.options:
            of(task)
        return hashes


@dataclass(frozen=True)
class ShardState:
    """What a rerun must do for one shard: the tasks left (`todo`), and the done tasks whose outputs stay valid (`kept`)."""

    shard: str
    status: str  # pending, done, failed
    todo: tuple[str, ...]
    kept: tuple[str, ...] = ()


def plan(shards: list[str], manifests: dict[str, Manifest], tasks: tuple[str, ...], hashes: TaskHashes, force: bool, retry_failed: bool) -> list[ShardState]:
    """Decide per shard which tasks a run must do, from its manifest, the task hashes and the run flags.

    A shard without a manifest, or every shard with `force`, does all `tasks`. A failed shard does all
    `tasks` with `retry_failed`, else none. A done shard does the tasks it has not done and those whose
    hash on its languages changed since; the other tasks its manifest lists are kept.
    """
    states = []
    for shard in shards:
        manifest = manifests.get(shard)
        if manifest is None or force:
            states.append(ShardState(shard, "pending" if manifest is None else manifest.status, tasks))
            continue
        now = hashes.for_languages(manifest.languages)
        kept = tuple(t for t in manifest.tasks if t in now and manifest.task_hashes.get(t) == now[t])
        if manifest.status == "failed":
            states.append(ShardState(shard, "failed", tasks if retry_failed else (), kept))
        else:
            states.append(ShardState(shard, "done", tuple(t for t in tasks if t not in kept), kept))
    return states
