"""Turn raw inputs into `OUT/documents/part-NNNNN.parquet`: NFC text, stable ids, groups kept in one shard.

Ingest streams, so its memory does not grow with the input (a grace hash partitioning, as in
DeWitt et al. 1984, "Implementation techniques for main memory database systems"):

1. **Read** (one call of `read_input` per input file, in parallel on a cluster): records are
   validated and written, in batches, to one of P spill partitions by a hash of their group
   (group_id, or doc_id for a document without one) under `OUT/.ingest/p-NNNNN/`, and their doc_ids to a
   Parquet id list. P is the estimated input size over `partition_bytes` (at least 64 MB).
2. **Check** (`find_duplicates`): DuckDB finds repeated doc_ids in the id lists (exact, spilling to
   disk as it needs). With `--dedupe` it runs before step 3, which drops the repeats; without, it runs
   beside step 3 (on a cluster, on one worker while the others write), and fails the ingest.
3. **Write** (one call of `write_partition` per partition, in parallel on a cluster): a partition's
   rows are read back, ordered by their group's first record, then by record, and cut into shards
   of about `--shard-size` MB that never split a group; then the partition's spill is removed, and
   a completion marker makes a retried call return the same count.
4. The shards are renamed into `OUT/documents/` in partition order, so `documents/` appears only
   once every shard is written: a failed ingest leaves none.

The same input always gives the same ids and the same shards: a derived doc_id hashes the source
file name, the record number and the language; partitions and the order inside them depend only on
the input. Input smaller than one partition gives the shards of a plain in-order cut.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.readers import COMPRESSIONS, BadRecord, Chunk, Record, chunk_bounds, count_lines, detect_format, input_files, read, splittable
from corpus.records import ErrorRow
from corpus.schemas import SCHEMAS, validate
from corpus.storage import Location

log = logging.getLogger(__name__)

LANG_CODE = re.compile(r"^[a-z]{2}$")
_TEXT_FIELDS = ("doc_id", "group_id", "lang", "title", "text", "source")
SPILL_DIR = ".ingest"
PARTITION_BYTES = 64_000_000  # text bytes a spill partition aims at: what one write_partition holds in memory
# One open spill file per partition per input being read: past 1,024 partitions (64 GB of input at the
# defaults) partitions grow instead, and with them the memory of a write_partition.
MAX_PARTITIONS = 1024
READ_CHUNK_BYTES = 64_000_000  # an uncompressed JSONL file is read in chunks of this size, one read_input each
_BUFFER_BYTES = 16_000_000  # rows buffered by one read_input over all its partitions before they are written
_COMPRESSION_RATIO = 4  # assumed for a compressed input's size estimate
_SPILL_SCHEMA = SCHEMAS["documents"].append(pa.field("size", pa.int64())).append(pa.field("seq", pa.int64())).append(pa.field("gkey", pa.string()))
_IDS_SCHEMA = pa.schema([_SPILL_SCHEMA.field("doc_id"), _SPILL_SCHEMA.field("seq")])
_SEQ_BITS = 40  # seq = input index << 40 | record ordinal: unique and in input order
# A mapper calls fn(*args) for every args tuple and returns the results in order, raising the first failure.
Mapper = Callable[[Callable[..., Any], Sequence[tuple]], list[Any]]


class IngestError(ValueError):
    """Ingest cannot go on; the message says which file, line or documents and what to do."""


@dataclass
class IngestResult:
    """What ingest wrote: counts of documents, shards, skipped or deduplicated records, and detected languages."""

    documents: int = 0
    shards: list[str] = field(default_factory=list)
    skipped: int = 0
    duplicates: int = 0
    detected: dict[str, int] = field(default_factory=dict)
    uncertain: int = 0


@dataclass(frozen=True)
class ReadOptions:
    """What every `read_input` call needs (picklable: it travels to cluster workers).

    `detect_lang(text)` returns an ISO 639-1 code, or None below its confidence; `default_lang` then
    stands in, else the document becomes an errors row.
    """

    spill: str
    partitions: int
    column_map: dict[str, str] = field(default_factory=dict)
    detect_lang: Callable[[str], str | None] | None = None
    default_lang: str | None = None
    skip_bad: bool = False


@dataclass
class InputSummary:
    """What `read_input` did with one input file: rows spilled, error rows, and the first failure without --skip-bad."""

    documents: int = 0
    errors: list[dict] = field(default_factory=list)
    failure: str | None = None
    no_lang: int = 0
    no_lang_examples: list[str] = field(default_factory=list)
    detected: Counter = field(default_factory=Counter)
    uncertain: int = 0


def derive_doc_id(source_file: str, number: int, lang: str | None) -> str:
    """A stable id: a hash of the source file name, the record number and the language."""
    key = f"{os.path.basename(source_file)}\x1f{number}\x1f{lang or ''}"
    return hashlib.sha1(key.encode()).hexdigest()[:20]


def _utf8(record: Record, name: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRecord(
            record.file, record.number, f"{name} holds {value[exc.start]!r}, a lone surrogate that is not Unicode text (often a broken JSON \\u escape)"
        ) from None


def _document(record: Record) -> dict:
    """Validate one record and turn it into a documents row (text NFC-normalized) plus "size", its text's UTF-8 bytes."""
    fields = record.fields
    for name in _TEXT_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            if name in ("doc_id", "group_id") and isinstance(value, int) and not isinstance(value, bool):
                fields[name] = str(value)
                continue
            raise BadRecord(record.file, record.number, f"column {name!r} must be a string, got {type(value).__name__}")
        if value is not None and name != "text":
            _utf8(record, f"column {name!r}", value)
    if "text" not in fields or fields["text"] is None:
        raise BadRecord(record.file, record.number, "missing required column 'text'")
    lang = fields.get("lang")
    if lang is not None:
        lang = lang.strip().lower()
        if not LANG_CODE.match(lang):
            raise BadRecord(record.file, record.number, f"lang {lang!r} is not an ISO 639-1 code (two letters, e.g. 'fr')")
    meta = json.dumps(record.meta, ensure_ascii=False, sort_keys=True, default=str) if record.meta else None
    if meta is not None:
        _utf8(record, "meta", meta)
    nfc = lambda s: unicodedata.normalize("NFC", s) if s is not None else None  # noqa: E731
    text = nfc(fields["text"])
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        _utf8(record, "column 'text'", fields["text"])
        raise
    return {
        "doc_id": fields.get("doc_id") or derive_doc_id(record.file, record.number, lang),
        "group_id": fields.get("group_id"),
        "lang": lang,
        "title": nfc(fields.get("title")),
        "text": text,
        "source": fields.get("source") or os.path.basename(record.file),
        "meta": meta,
        "size": size,
    }


def _error_row(exc: BadRecord) -> dict:
    return ErrorRow(None, "ingest", "ingest", "BadRecord", str(exc)).row()


def partition_of(group_key: str, partitions: int) -> int:
    """The spill partition of a group: CRC-32 of its key modulo the partition count (stable across processes)."""
    return zlib.crc32(group_key.encode("utf-8")) % partitions


def _partition_folder(part: int) -> str:
    """The spill folder of partition `part`: one `in-NNNNNN.arrow` per input unit (file or chunk) that has rows in it."""
    return f"p-{part:05d}"


class _Spill:
    """One input file's rows, buffered per partition as columns and appended as Arrow IPC batches to
    `p-NNNNN/in-NNNNNN.arrow`; their doc_ids and seqs also go to `ids/in-NNNNNN.parquet`."""

    def __init__(self, options: ReadOptions, index: int) -> None:
        self.spill = Location(options.spill)
        self.index = index
        self.partitions = options.partitions
        self.flush_bytes = max(_BUFFER_BYTES // self.partitions, 1 << 16)
        self.buffers: dict[int, dict[str, list]] = {}
        self.sizes: Counter = Counter()
        self.writers: dict[int, tuple[Any, Any]] = {}
        self.id_sink: Any = None
        self.id_writer: pq.ParquetWriter | None = None

    def add(self, row: dict, seq: int) -> None:
        """Buffer one spill row (documents columns and "size") as record `seq`."""
        gkey = row["group_id"] if row["group_id"] is not None else "\x00" + row["doc_id"]
        part = partition_of(gkey, self.partitions)
        columns = self.buffers.get(part)
        if columns is None:
            columns = self.buffers[part] = {name: [] for name in _SPILL_SCHEMA.names}
        for name, value in row.items():
            columns[name].append(value)
        columns["text"][-1] = row["text"].encode("utf-8")  # Arrow takes UTF-8 bytes three times faster than a str
        columns["seq"].append(seq)
        columns["gkey"].append(gkey)
        self.sizes[part] += row["size"] + 100
        if self.sizes[part] >= self.flush_bytes:
            self._flush(part)

    def _flush(self, part: int) -> None:
        columns = self.buffers.pop(part, None)
        self.sizes[part] = 0
        if not columns or not columns["seq"]:
            return
        if part not in self.writers:
            folder = _partition_folder(part)
            self.spill.makedirs(folder)
            sink = self.spill.fs.open(self.spill.path(folder, f"in-{self.index:06d}.arrow"), "wb")
            self.writers[part] = (sink, pa.ipc.new_file(sink, _SPILL_SCHEMA))
        batch = pa.RecordBatch.from_pydict(columns, schema=_SPILL_SCHEMA)
        self.writers[part][1].write_batch(batch)
        if self.id_writer is None:
            self.spill.makedirs("ids")
            self.id_sink = self.spill.fs.open(self.spill.path("ids", f"in-{self.index:06d}.parquet"), "wb")
            self.id_writer = pq.ParquetWriter(self.id_sink, _IDS_SCHEMA)
        self.id_writer.write_batch(batch.select(_IDS_SCHEMA.names))

    def close(self) -> None:
        for part in sorted(self.buffers):
            self._flush(part)
        for sink, writer in self.writers.values():
            writer.close()
            sink.close()
        if self.id_writer is not None:
            self.id_writer.close()
            self.id_sink.close()


def _allow_open_files(count: int) -> None:
    """Raise this process's soft limit of open files to `count` if it is lower (up to the hard limit)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < count:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count if hard == resource.RLIM_INFINITY else min(count, hard), hard))


def read_input(index: int, path: str, fmt: str, options: ReadOptions, chunk: Chunk | None = None) -> InputSummary:
    """Step 1 for one input file (or one `chunk` of it): validate its records and spill them into the partitions under `options.spill`.

    Runs anywhere (a cluster worker reads the file itself). Without `skip_bad` it stops at the first
    bad record and returns its message as `failure`; with it, bad records become error rows.
    """
    summary = InputSummary()
    _allow_open_files(options.partitions + 64)
    spill = _Spill(options, index)
    ordinal = 0
    try:
        for item in read(path, fmt, options.column_map, chunk):
            ordinal += 1
            try:
                if isinstance(item, BadRecord):
                    raise item
                doc = _document(item)
            except BadRecord as exc:
                if not options.skip_bad:
                    summary.failure = f"{exc}; fix it or pass --skip-bad to log it in OUT/errors/"
                    break
                summary.errors.append(_error_row(exc))
                continue
            if doc["lang"] is None and not _fill_language(doc, item, options, summary):
                continue
            spill.add(doc, index << _SEQ_BITS | ordinal)
            summary.documents += 1
    except BadRecord as exc:  # the whole file
        if not options.skip_bad:
            summary.failure = f"{exc}; fix it or pass --skip-bad to log it in OUT/errors/"
        else:
            summary.errors.append(_error_row(exc))
    finally:
        spill.close()
    return summary


def _fill_language(doc: dict, record: Record, options: ReadOptions, summary: InputSummary) -> bool:
    """Give a document without a language the detected one (or the default); False when it has none."""
    if options.detect_lang is None:
        summary.no_lang += 1
        if len(summary.no_lang_examples) < 10:
            summary.no_lang_examples.append(f"{doc['doc_id']} ({doc['source']})")
        return False
    lang = options.detect_lang(doc["text"])
    if lang is not None:
        summary.detected[lang] += 1
    else:
        lang = options.default_lang
    if lang is None:
        summary.uncertain += 1
        message = (
            f"{record.file}:{record.number}: the language detector is not confident about document {doc['doc_id']}; add a 'lang' column or pass --default-lang"
        )
        summary.errors.append(ErrorRow(doc["doc_id"], "ingest", "ingest", "LanguageUncertain", message).row())
        return False
    doc["lang"] = lang
    return True


def _order(table: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For rows given in record order: the row order by group (first record first), then record; each group's rows and text bytes."""
    groups = pc.unique(table.column("gkey"))
    rank = pc.index_in(table.column("gkey"), value_set=groups).to_numpy()
    sizes = table.column("size").to_numpy()
    return np.argsort(rank, kind="stable"), np.bincount(rank, minlength=len(groups)), np.bincount(rank, weights=sizes, minlength=len(groups))


def cut_shards(group_bytes: Iterable[int], shard_bytes: int) -> list[int]:
    """How many consecutive groups go into each shard: about `shard_bytes` of text each, a group never split."""
    counts: list[int] = []
    size = count = 0
    for group_size in group_bytes:
        if count and size + group_size > shard_bytes:
            counts.append(count)
            size = count = 0
        count += 1
        size += group_size
    if count:
        counts.append(count)
    return counts


def write_partition(part: int, spill_url: str, shard_bytes: int) -> int:
    """Step 3 for one partition: order its rows, cut them into shards and write them to `.ingest/shards/`; the shard count.

    Holds the partition once in memory, in shard order: a local spill is memory-mapped (its pages are
    the page cache's, not a copy) and the rows are put in order with one `take`, whose slices are the
    shards. Once the shards are written, a completion marker `done/p-NNNNN.COUNT` is written and the
    partition's spill folder removed: the spill shrinks as the shards grow, and its pages are
    dropped before the kernel spends time writing them back. A second call for the same partition
    (a retried task) returns the marker's count.
    """
    spill = Location(spill_url)
    folder = _partition_folder(part)
    marker = [name for name in spill.list("done") if name.startswith(f"{folder}.")]  # list: a fresh listing on an object store too
    if marker:
        spill.remove(folder)
        return int(marker[0].rsplit(".", 1)[1])
    tables = []
    for path in sorted(spill.fs.glob(spill.path(folder, "in-*.arrow"))):
        with pa.memory_map(path) if spill.is_local else spill.fs.open(path, "rb") as source:
            tables.append(pa.ipc.open_file(source).read_all())
    shards = _write_shards(part, tables, spill, shard_bytes)
    spill.makedirs("done")
    spill.fs.touch(spill.path("done", f"{folder}.{shards}"))
    spill.remove(folder)
    return shards


def _write_shards(part: int, tables: list[pa.Table], spill: Location, shard_bytes: int) -> int:
    """Order a partition's rows (`tables` in record order), cut them into shards and write them; the shard count."""
    if not tables:
        return 0
    table = pa.concat_tables(tables)  # in record order: inputs by index, each in its order
    if spill.exists("dropped.parquet"):
        dropped = spill.read_table("dropped.parquet").column("seq")
        table = table.filter(pc.invert(pc.is_in(table.column("seq"), value_set=dropped)))
    if not table.num_rows:
        return 0
    order, group_rows, group_bytes = _order(table)
    table = pc.take(table.select(SCHEMAS["documents"].names), pa.array(order), memory_pool=_shard_pool())
    bounds = np.concatenate([[0], np.cumsum(group_rows)])
    first = 0
    shards = cut_shards(group_bytes.tolist(), shard_bytes)
    spill.makedirs("shards")
    for number, groups in enumerate(shards):
        shard = validate("documents", table.slice(bounds[first], bounds[first + groups] - bounds[first]))
        with spill.fs.open(spill.path("shards", f"p-{part:05d}-{number:05d}.parquet"), "wb") as sink:
            pq.write_table(shard, sink, compression="zstd")  # as Location.write_table, without a copy in memory
        first += groups
    return len(shards)


def _shard_pool() -> pa.MemoryPool:
    """The memory pool a partition is put in shard order in: Arrow's mimalloc pool where it has one, else its default.

    A partition in order is one allocation of about `partition_bytes` per partition. From the system
    allocator (the default on polycorpus's Dask workers, cluster/client.py) each is fresh memory the
    kernel maps and zeroes, page by page: 2 of the 9 CPU-s of the write step on a 2 GB input. mimalloc
    reuses the previous partition's pages (a 2 GB ingest on 2 workers: 1.5 CPU-s for the ordering, not
    2.9; the workers' peak RSS 20 MB higher).
    """
    try:
        return pa.mimalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without mimalloc
        return pa.default_memory_pool()


def estimate_bytes(files: Sequence[tuple[str, str]]) -> int:
    """The input's size in bytes as read: file sizes, compressed ones times 4, Parquet's uncompressed size."""
    total = 0
    for path, fmt in files:
        fs, root = fsspec.core.url_to_fs(path)
        if fmt == "parquet":
            with fs.open(root, "rb") as handle:
                metadata = pq.ParquetFile(handle).metadata
            total += sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
            continue
        size = fs.size(root) or 0
        compressed = root.rsplit(".", 1)[-1].lower() in COMPRESSIONS
        total += size * _COMPRESSION_RATIO if compressed else size
    return total


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args): lets one mapper call run different steps side by side."""
    return fn(*args)


def in_process(fn: Callable[..., Any], items: Sequence[tuple]) -> list[Any]:
    """The default mapper: every call in this process, in order."""
    return [fn(*item) for item in items]


def ingest(
    inputs: Iterable[str],
    out: str,
    fmt: str | None = None,
    shard_size_mb: float = 64.0,
    detect_lang: Callable[[str], str | None] | None = None,
    skip_bad: bool = False,
    dedupe: bool = False,
    overwrite: bool = False,
    column_map: dict[str, str] | None = None,
    default_lang: str | None = None,
    mapper: Mapper = in_process,
    partition_bytes: int = PARTITION_BYTES,
    chunk_bytes: int = READ_CHUNK_BYTES,
) -> IngestResult:
    """Read every input, validate, assign ids and write the documents shards (and ingest errors) under `out`.

    `mapper` runs the per-file (or per-chunk of `chunk_bytes` of an uncompressed JSONL file) and
    per-partition steps (`read_input`, `write_partition`): in this process by default, or on a
    cluster's workers (cluster/ingest_jobs.py); the result is the same.
    Memory is bounded by about three partitions' text (`partition_bytes` or the shard size, whichever
    is larger), not by the input; the spill under `out/.ingest/` takes about the input's size on
    disk. Raises IngestError naming the file and line, or the documents, and what to do; nothing is
    left under `out/documents` then.
    """
    if shard_size_mb <= 0:
        raise IngestError(f"--shard-size must be positive, got {shard_size_mb}")
    shard_bytes = int(shard_size_mb * 1_000_000)
    target = Location(out)
    if not target.is_empty():
        if not overwrite:
            raise IngestError(f"{out} is not empty; choose another folder or pass --overwrite")
        for name in ("documents", "errors", SPILL_DIR):
            target.remove(name)
    files = _input_files(inputs, fmt)
    partitions = min(MAX_PARTITIONS, max(1, math.ceil(estimate_bytes(files) / max(partition_bytes, shard_bytes))))
    spill_url = target.url.rstrip("/") + "/" + SPILL_DIR
    options = ReadOptions(spill_url, partitions, dict(column_map or {}), detect_lang, default_lang, skip_bad)
    spill = Location(spill_url)
    try:
        summaries = _read_all(files, chunk_bytes, options, mapper)
        result = _check_reads(summaries)
        if not result.documents:
            raise IngestError("no documents were read from the input")
        writes = [(part, spill_url, shard_bytes) for part in range(partitions)]
        if dedupe:  # the writes need the list of records to drop
            result.duplicates = find_duplicates(spill_url, True)
            counts = mapper(write_partition, writes)
        else:  # nothing to drop: the check is one more call beside the writes, and its failure still leaves no documents/
            _, *counts = mapper(_call, [(find_duplicates, spill_url, False), *((write_partition, *args) for args in writes)])
        target.makedirs("documents")
        for part, count in enumerate(counts):
            for number in range(count):
                name = f"part-{len(result.shards):05d}.parquet"
                target.fs.mv(spill.path("shards", f"p-{part:05d}-{number:05d}.parquet"), target.path("documents", name))
                result.shards.append(name)
        errors = [row for summary in summaries for row in summary.errors]
        if errors:
            target.write_table("errors", pa.Table.from_pylist(errors), "errors", "part-ingest.parquet")
        result.documents -= result.duplicates
        return result
    except BaseException:
        target.remove("documents")
        raise
    finally:
        target.remove(SPILL_DIR)


def _read_all(files: list[tuple[str, str]], chunk_bytes: int, options: ReadOptions, mapper: Mapper) -> list[InputSummary]:
    """Step 1: `read_input` over every whole file, and every chunk of a large uncompressed JSONL file; the summaries in input order.

    A chunk's first line number comes from counting the line breaks before it (`count_lines`, one
    call per chunk but the first, all before any read), so its records get the same numbers, and
    ids, as in a whole-file read. The count is a short pass of its own (0.5 CPU-s for 2 GB): had it
    shared a call with the reads that need no count, the workers done counting would wait for the
    slowest of those reads. The reads then run in one call, largest first, so that short units
    (files' last chunks) end the step and even out the workers.
    """
    whole: list[tuple] = []  # read_input arguments of the whole files
    chunked: list[tuple[int, str, str, int, int, int]] = []  # (unit, path, fmt, start, end, chunk number in its file)
    counts: list[tuple] = []  # count_lines arguments: the bytes before each chunk but a file's first, from its previous chunk
    index = 0
    for path, fmt in files:
        bounds = chunk_bounds(path, chunk_bytes) if splittable(path, fmt) else []
        if len(bounds) < 2:
            whole.append((index, path, fmt, options, None))
            index += 1
            continue
        for number, (start, end) in enumerate(bounds):
            chunked.append((index + number, path, fmt, start, end, number))
            if number:
                counts.append((path, *bounds[number - 1]))
        index += len(bounds)
    lines = iter(mapper(count_lines, counts) if counts else [])
    chunks = []
    line = 1
    for unit, path, fmt, start, end, number in chunked:
        line = 1 if number == 0 else line + next(lines)
        chunks.append((unit, path, fmt, options, Chunk(start, end, line)))
    chunks.sort(key=lambda args: args[4].start - args[4].end)  # largest first (a stable sort: full chunks stay in input order)
    reads = whole + chunks
    summaries = dict(zip((args[0] for args in reads), mapper(read_input, reads)))
    return [summaries[unit] for unit in range(index)]


def _input_files(inputs: Iterable[str], fmt: str | None) -> list[tuple[str, str]]:
    files = []
    for path in inputs:
        try:
            file_fmt = fmt or detect_format(path)
            files += [(file, file_fmt) for file in input_files(path, file_fmt)]
        except BadRecord as exc:
            raise IngestError(f"{exc}") from None
    return files


def _check_reads(summaries: list[InputSummary]) -> IngestResult:
    failures = [s.failure for s in summaries if s.failure]
    if failures:
        raise IngestError(failures[0])
    missing = sum(s.no_lang for s in summaries)
    if missing:
        examples = [e for s in summaries for e in s.no_lang_examples][:10]
        more = f" and {missing - len(examples)} more" if missing > len(examples) else ""
        raise IngestError(f"{missing} documents have no language: {', '.join(examples)}{more}; add a 'lang' column, or pass --detect-lang")
    detected: Counter = Counter()
    for s in summaries:
        detected.update(s.detected)
    return IngestResult(
        documents=sum(s.documents for s in summaries),
        skipped=sum(len(s.errors) for s in summaries) - sum(s.uncertain for s in summaries),
        detected=dict(sorted(detected.items())),
        uncertain=sum(s.uncertain for s in summaries),
    )


def find_duplicates(spill_url: str, dedupe: bool) -> int:
    """Count repeated doc_ids (DuckDB over the id lists under `spill_url`, spilling to disk); with `dedupe`
    write the seqs of all but each doc_id's first record to `dropped.parquet` there.

    Runs anywhere, like `read_input`. Raises IngestError naming up to 10 repeated doc_ids when there
    are any and `dedupe` is false.
    """
    import duckdb
    import pyarrow.dataset as ds

    spill = Location(spill_url)
    if not spill.exists("ids"):
        return 0
    temp = spill.path("duckdb") if spill.is_local else tempfile.gettempdir()
    with duckdb.connect(config={"memory_limit": "128MB", "threads": 1, "temp_directory": temp}) as db:
        db.register("ids", ds.dataset(spill.path("ids"), filesystem=spill.fs, format="parquet"))
        [(count,)] = db.execute("SELECT count(*) - count(DISTINCT doc_id) FROM ids").fetchall()  # a hash aggregate: cheaper than the window below
        if not count:
            return 0
        repeated = "SELECT doc_id, seq FROM (SELECT doc_id, seq, row_number() OVER (PARTITION BY doc_id ORDER BY seq) AS n FROM ids) WHERE n > 1"
        if not dedupe:
            shown = ", ".join(r[0] for r in db.execute(f"SELECT DISTINCT doc_id FROM ({repeated}) ORDER BY doc_id LIMIT 10").fetchall())
            raise IngestError(f"{count} duplicate doc_id values ({shown}); make them unique or pass --dedupe")
        reader = db.sql(f"SELECT seq FROM ({repeated}) ORDER BY seq").to_arrow_reader()
        with spill.fs.open(spill.path("dropped.parquet"), "wb") as sink, pq.ParquetWriter(sink, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
    log.warning("--dedupe dropped %d documents with a doc_id seen before", count)
    return count
