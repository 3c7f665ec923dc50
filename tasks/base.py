"""What a task is: a registered step with its tables, requirements, options, per-shard work and optional corpus step.

Modelled on datatrove's `PipelineStep` (a step never knows which executor runs it) and dolma's tagger
registry. A task's per-shard work is pure: the runner hands it the shard's documents (and the tables
of required tasks it reads), it returns rows per table, and the runner's worker-side wrapper does every
read and write. A task that needs the whole corpus first (alignment's lexicon) adds a corpus step,
written against the small `MapReduce` interface so that `--cluster sync`, `align-files`, the
benchmarks and a Dask cluster run the same orchestration.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

if TYPE_CHECKING:
    from tasks.spacy.annotate import Annotated

Rows = dict[str, list[dict]]  # table name -> row dicts of that table's pinned schema
Handle = Any  # a value in this process, or a Dask future: whatever MapReduce.submit returns


class OptionError(ValueError):
    """A task option whose value is out of range or names a file that cannot be used; `key` is the option's name."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def option(default: Any, doc: str) -> Any:
    """A task option's dataclass field: its default and the one-line doc `polycorpus tasks` shows."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class NoOptions:
    """The options of a task that has none."""


@dataclass(frozen=True)
class ShardData:
    """What a task's shard step sees of one shard.

    `documents` are documents-table rows (dicts) in shard order; `inputs` holds, for each table named in
    the task's `reads`, this shard's part of that table as written by a required task (for a table in
    its `partners`, with the rows of the partner documents in other shards; under "documents", when
    `partners` names it, the documents-table rows of those partners, in the order of their shards).
    `workspace` is the URL of a folder where a corpus step's map and orchestration may write intermediate
    files (OUT/_work/<table>/, emptied before and removed after the step); None outside a corpus step's map.
    """

    shard: str
    documents: list[dict]
    inputs: Mapping[str, pa.Table] = field(default_factory=dict)
    workspace: str | None = None


class ShardStep(Protocol):
    """The work of one task on one shard; made fresh per shard by `Task.start`, it does no I/O.

    `document` gets each document the shard's spaCy pass annotated (only for tasks with `annotates`)
    and returns the rows it already can; `finish` returns the rows that need the whole shard.
    A document whose `document` call raises becomes an `errors` row with the task's name as stage.
    """

    def document(self, doc: dict, annotated: Annotated) -> Rows: ...

    def finish(self) -> Rows: ...


class MapReduce(ABC):
    """The executor-agnostic interface a corpus step is written against.

    `submit` runs a function somewhere and returns a handle; handles among its arguments are resolved
    to their values where it runs. `map` and `reduce` are built on it, so every executor reduces in the
    same pairwise order (sums of floats come out bit for bit the same in-process and on Dask).
    """

    @abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any) -> Handle:
        """A handle to `fn(*args)`."""

    @abstractmethod
    def scatter(self, value: Any) -> Handle:
        """A handle to `value`, shipped once to wherever `submit` runs functions."""

    @abstractmethod
    def gather(self, handle: Handle) -> Any:
        """The value behind a handle, here; raises the error its computation raised."""

    def progress(self, stage: str, done: int, total: int) -> None:
        """Hear how far a corpus step is: `done` of its `total` steps finished, `stage` (say "EM iteration 2 of 5") running; ignored here."""
        return None

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *shared: Any) -> list[Handle]:
        """Handles to `fn(item, *shared)` for each item (values or handles), in order."""
        return [self.submit(fn, item, *shared) for item in items]

    def reduce(self, fn: Callable[[Any, Any], Any], handles: Sequence[Handle]) -> Handle | None:
        """`fn` applied pairwise, level by level ((a, b), (c, d), ...), down to one handle; None for none."""
        level = list(handles)
        while len(level) > 1:
            level = [self.submit(fn, level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
        return level[0] if level else None


class InProcess(MapReduce):
    """`MapReduce` in this process: a handle is the value itself."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Compute `fn(*args)` now."""
        return fn(*args)

    def scatter(self, value: Any) -> Any:
        """Nothing to ship in-process."""
        return value

    def gather(self, handle: Any) -> Any:
        """Handles are already values."""
        return handle


@dataclass(frozen=True)
class CorpusStep:
    """A task's corpus-level step: `map(shard, options)` on every shard where it is read, then `run(mr, mapped, options)`.

    `map` is pure like a shard step; `run` orchestrates over the handles of the mapped values (the
    alignment lexicon's EM: map the E-step, reduce the counts). Its value is passed to each shard's
    `Task.start`. It is kept under OUT/<table>/ (`save` gives the table and a small JSON-able meta,
    `load` reads them back) and reused while the task's hash is unchanged and `version`, the format of
    the saved table, is the one it was saved under (a table of another version is recomputed, not misread).
    The saved table's digest is part of the hash of the tasks that read a table the step's task writes.
    The table's name also names the step's phase in progress output and in the run record. With
    `by_shard(value, shards) -> {shard: part}`, each shard's job gets only its part of the value (shipped
    with the job), not the whole value scattered to every worker.
    """

    table: str
    map: Callable[[ShardData, Any], Any]
    run: Callable[[MapReduce, list[Handle], Any], Any]
    save: Callable[[Any], tuple[pa.Table, dict]]
    load: Callable[[pa.Table, dict], Any]
    version: int = 1
    by_shard: Callable[[Any, Sequence[str]], dict[str, Any]] | None = None


def pair_targets(shard: str, inputs: Mapping[str, pa.Table], corpus: Any) -> list[tuple[str, str]]:
    """The partners `align` reads: (shard, doc_id) of the targets of the shard's `document_pairs` rows (the pairs whose source it holds)."""
    pairs = inputs["document_pairs"]
    return list(zip(pairs.column("tgt_shard").to_pylist(), pairs.column("tgt_doc_id").to_pylist()))


@dataclass(frozen=True)
class Task:
    """One registered task. See CONTRIBUTING.md, "Adding a task".

    name: the `--tasks` name and the config section of its options.
    doc: one line for `polycorpus tasks`.
    tables: the tables it writes, each with a pinned schema (corpus/schemas.py, or `schemas` for a new table).
    start: `start(shard, options, corpus_value) -> ShardStep`, the pure per-shard work.
    options: a frozen dataclass whose field defaults are the only place its defaults are written;
        declare each field with `option(default, doc)` so `polycorpus tasks` can show its one-line doc.
    options_of: the registered task whose options (and config section) it takes instead of its own; that
        task's options dataclass is `options` then.
    requires: tasks whose outputs it reads; run adds them and orders tasks after them.
    reads: tables of required tasks the runner reads for it, per shard, into `ShardData.inputs`.
    partners: tables among `reads` to which the runner also adds the rows of the partner documents that
        live in other shards, one read per partner shard; "documents" adds the partners' documents rows.
    partner_documents: `partner_documents(shard, inputs, corpus_value) -> [(shard, doc_id)]`, which
        documents are the partners, from the shard's `reads` and the task's corpus value (None while its
        corpus step maps): by default the targets of the shard's `document_pairs` rows, the pairs the
        `docalign` task found whose source the shard holds.
    annotates: its steps get each document's spaCy annotation (one pass per shard for all such tasks).
    components: `components(nlp, lang, options)` adds the spaCy components its steps read; must be
        hashable with its options, since pipelines are cached per process by language and components.
    corpus: a corpus step to run over every shard before the shard steps (see `CorpusStep`).
    implied: tasks with which it runs, after them: whenever all of them are in a run, named or required,
        so is it (`link_pairs` joins every run of `entities` with `docalign`).
    schemas: pinned Arrow schemas of tables that corpus/schemas.py does not know.
    """

    name: str
    doc: str
    tables: tuple[str, ...]
    start: Callable[[ShardData, Any, Any], ShardStep]
    options: type = NoOptions
    options_of: str | None = None
    requires: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    partner_documents: Callable[[str, Mapping[str, pa.Table], Any], list[tuple[str, str]]] = pair_targets
    annotates: bool = False
    components: Callable[..., None] | None = None
    corpus: CorpusStep | None = None
    implied: tuple[str, ...] = ()
    schemas: Mapping[str, pa.Schema] = field(default_factory=dict)

    def schema(self, table: str) -> pa.Schema | None:
        """The schema the task declares for one of its tables; None for a table corpus/schemas.py pins."""
        return self.schemas.get(table)
