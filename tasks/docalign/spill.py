"""The docalign corpus step's intermediate tables on disk: Parquet files under the step's workspace, cut by hash range.

Every intermediate table (postings, pair overlaps, norms, scored candidates) is written by the task that
makes it, sorted by a `hash` column (CRC-32 of its key, the same in every process) in small row groups,
so that the task of partition p of P reads the rows whose hash falls in p's range,
[p * 2^32 / P, (p + 1) * 2^32 / P), from every file and Arrow skips the other row groups by their
statistics. P is chosen after the files are written, from their row counts, so each task's share is
bounded whatever the corpus' size; nothing of the corpus is held in worker memory between tasks.

Tables read from these files also come in freshly allocated, aligned buffers. Tables passed between
Dask tasks arrive in buffers at whatever offset their network frame put them; when docalign's join
took its postings that way, Acero's source node printed "An input buffer was poorly aligned" about a
hundred times per run (its value-alignment check, apache/arrow#35498 and #36301), and now it is silent.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pyarrow.fs import FSSpecHandler, PyFileSystem

from corpus.storage import Location

HASH = "hash"
ROW_GROUP = 8192  # rows per Parquet row group: the unit a range read skips or reads
SPACE = 1 << 32  # hashes are CRC-32 values


def key_hash(values: Iterable[str]) -> pa.Array:
    """CRC-32 of each string's UTF-8 bytes (uint32): a table's partition key."""
    return pa.array(np.fromiter((zlib.crc32(v.encode()) for v in values), dtype=np.uint32), pa.uint32())


def write(location: Location, table: pa.Table, *parts: str, key: str | None = None) -> int:
    """Write `table` to one Parquet file (atomically); with `key`, add its hash column and sort by it. Returns the row count.

    Every task of the step ends by writing its result, so this is also where Arrow's memory pool gives the
    memory the task freed back to the system (mimalloc keeps it otherwise, and a worker's RSS would keep
    the peak of every kind of task it ran).
    """
    if key is not None:
        table = table.append_column(HASH, key_hash(table.column(key).to_pylist())).sort_by(HASH)
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=ROW_GROUP, compression="zstd")
    location.write_bytes(sink.getvalue(), *parts)
    rows = table.num_rows
    del table
    pa.default_memory_pool().release_unused()
    return rows


def dataset(location: Location, folders: Sequence[str], schema: pa.Schema) -> ds.Dataset:
    """The Parquet files of `folders` (under `location`) as one dataset of `schema` (plus the hash column when they have one)."""
    paths = [location.path(folder, name) for folder in folders for name in location.list(folder, suffix=".parquet")]
    filesystem = None if location.is_local else PyFileSystem(FSSpecHandler(location.fs))
    return ds.dataset(paths, schema=schema, format="parquet", filesystem=filesystem)


def hashed(schema: pa.Schema) -> pa.Schema:
    """`schema` with the hash column that `write(..., key=...)` adds."""
    return schema.append(pa.field(HASH, pa.uint32()))


def read_range(data: ds.Dataset, part: int, parts: int) -> pa.Table:
    """The rows of partition `part` of `parts` (by hash range), without the hash column, in file order."""
    low, high = part * SPACE // parts, (part + 1) * SPACE // parts
    found = data.to_table(filter=(pc.field(HASH) >= low) & (pc.field(HASH) < high), use_threads=False)
    return found.drop_columns([HASH])


def read_matching(data: ds.Dataset, column: str, values: pa.Array, columns: Sequence[str]) -> pa.Table:
    """The `columns` of the rows whose `column` is one of `values`, read batch by batch."""
    return data.to_table(columns=list(columns), filter=pc.field(column).isin(values), use_threads=False)
