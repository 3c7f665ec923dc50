"""Local paths and fsspec URLs behind one small API, with writes that are never seen half-done.

On a local disk a file is written under a temporary name in the same folder and renamed into
place. On an object store (s3://, gs://, ...) the final object is written once: a PUT is atomic
there and a rename is a copy, so we never rename into place.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from corpus.schemas import validate

# A file being written: hidden and not ending in .parquet, so no reader or glob ever takes it for a part file.
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{32}\.tmp$")
# Write errors that no retry can fix: the output itself is full, too small or read-only.
_UNWRITABLE = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}

_REMOVE_THREADS = 8


class OutputUnwritable(RuntimeError):
    """The output location takes no more data (disk full, file size limit, read-only): stop, keep what is done."""


class Location:
    """A folder given as a local path or a URL, joined with relative names."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        self.fs, root = fsspec.core.url_to_fs(url, **(storage_options or {}))
        self.root = root.rstrip("/") or "/"
        self.url = url if "://" in url else os.path.abspath(url)
        self.is_local = isinstance(self.fs, LocalFileSystem)

    def path(self, *parts: str) -> str:
        """The filesystem path of `parts` below the root."""
        return "/".join([self.root, *parts])

    def exists(self, *parts: str) -> bool:
        """Whether the file or folder exists."""
        return self.fs.exists(self.path(*parts))

    def list(self, *parts: str, suffix: str = "") -> list[str]:
        """Sorted names (not paths) of the files in a sub-folder ending in `suffix`; [] if it is missing."""
        folder = self.path(*parts)
        self.fs.invalidate_cache(folder)  # an object store's cached listing misses files other processes wrote
        if not self.fs.exists(folder):
            return []
        names = [p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(folder, detail=False)]
        return sorted(n for n in names if n.endswith(suffix) and not n.startswith("."))

    def is_empty(self) -> bool:
        """True when the root does not exist or has no entries."""
        return not self.fs.exists(self.root) or not self.fs.ls(self.root, detail=False)

    def makedirs(self, *parts: str) -> None:
        """Create a folder (a no-op on object stores, which have no folders)."""
        self.fs.makedirs(self.path(*parts), exist_ok=True)

    def write_bytes(self, data: bytes, *parts: str) -> None:
        """Write a whole file atomically: readers see the old file or the new one, never a part."""
        final = self.path(*parts)
        if not self.is_local:
            self.fs.pipe_file(final, data)
            return
        folder = os.path.dirname(final)
        tmp = os.path.join(folder, f".{os.path.basename(final)}.{uuid.uuid4().hex}.tmp")
        try:
            os.makedirs(folder, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        except BaseException as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            if isinstance(exc, OSError) and exc.errno in _UNWRITABLE:
                raise OutputUnwritable(
                    f"cannot write {final}: {exc.strerror}; free space there or choose another output folder, then rerun (finished shards are kept)"
                ) from exc
            raise

    def remove_temporary(self) -> int:
        """Delete the temporary files of writers that were killed mid-write (local folders only); return how many."""
        if not self.is_local or not os.path.isdir(self.root):
            return 0
        stale = [os.path.join(folder, n) for folder, _, names in os.walk(self.root) for n in names if _TEMPORARY.match(n)]
        for path in stale:
            os.unlink(path)
        return len(stale)

    def read_bytes(self, *parts: str) -> bytes:
        """The whole content of a file."""
        return self.fs.cat_file(self.path(*parts))

    def write_json(self, obj: Any, *parts: str) -> None:
        """Write `obj` as pretty JSON, atomically."""
        self.write_bytes((json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(), *parts)

    def read_json(self, *parts: str) -> Any:
        """Parse a JSON file."""
        return json.loads(self.read_bytes(*parts))

    def write_table(self, table_name: str, data: pa.Table, *parts: str, schema: pa.Schema | None = None) -> None:
        """Validate `data` against the pinned schema of `table_name` (or `schema`) and write it as Parquet, atomically."""
        data = validate(table_name, data, schema)
        sink = io.BytesIO()
        pq.write_table(data, sink, compression="zstd")
        self.write_bytes(sink.getvalue(), *parts)

    def read_table(self, *parts: str, columns: list[str] | None = None) -> pa.Table:
        """Read one Parquet file.

        A local file is read by Arrow's own file I/O, never through a Python file object: Arrow's I/O
        threads call back into a Python file and may drop their last reference to it late, and a thread
        that waits for the GIL while the interpreter exits aborts the process ("terminate called without
        an active exception", apache/arrow#34314, #45017). Object stores go through fsspec, read in
        the calling thread (no pre-buffering).
        """
        if self.is_local:
            with pq.ParquetFile(self.path(*parts)) as handle:
                return handle.read(columns=columns)
        with self.fs.open(self.path(*parts), "rb") as handle:
            return pq.read_table(handle, columns=columns, pre_buffer=False, use_threads=False)

    def remove(self, *parts: str) -> None:
        """Delete a file or folder if it exists.

        A local folder's files are unlinked by `_REMOVE_THREADS` threads: an unlink mostly waits for
        the disk (on a filesystem mounted with online discard, ext4's `discard`, one thread removed a
        2 GB ingest spill in 2.2 s and eight in 0.45 s).
        """
        target = self.path(*parts)
        if self.is_local and os.path.isdir(target):
            files = [os.path.join(folder, name) for folder, _, names in os.walk(target) for name in names]
            with ThreadPoolExecutor(_REMOVE_THREADS) as pool:
                list(pool.map(os.unlink, files))
            shutil.rmtree(target)
        elif self.fs.exists(target):
            self.fs.rm(target, recursive=True)
