"""Turn raw inputs into `OUT/documents/part-NNNNN.parquet`: NFC text, stable ids, groups kept in one shard.

The same input always gives the same ids and the same shards: a derived doc_id hashes the source
file name, the record number and the language, and shards are cut in input order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from corpus.readers import BadRecord, Record, detect_format, read
from corpus.records import ErrorRow
from corpus.schemas import to_table
from corpus.storage import Location

log = logging.getLogger(__name__)

LANG_CODE = re.compile(r"^[a-z]{2}$")
_TEXT_FIELDS = ("doc_id", "group_id", "lang", "title", "text", "source")


class IngestError(ValueError):
    """Ingest cannot go on; the message says which file, line or documents and what to do."""


@dataclass
class IngestResult:
    """What ingest wrote: counts per shard and of skipped or deduplicated records."""

    documents: int = 0
    shards: list[str] = field(default_factory=list)
    skipped: int = 0
    duplicates: int = 0


def derive_doc_id(source_file: str, number: int, lang: str | None) -> str:
    """A stable id: a hash of the source file name, the record number and the language."""
    key = f"{os.path.basename(source_file)}\x1f{number}\x1f{lang or ''}"
    return hashlib.sha1(key.encode()).hexdigest()[:20]


def _document(record: Record) -> dict:
    """Validate one record and turn it into a documents row (text NFC-normalized)."""
    fields = record.fields
    for name in _TEXT_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            if name in ("doc_id", "group_id") and isinstance(value, int) and not isinstance(value, bool):
                fields[name] = str(value)
                continue
            raise BadRecord(record.file, record.number, f"column {name!r} must be a string, got {type(value).__name__}")
    if "text" not in fields or fields["text"] is None:
        raise BadRecord(record.file, record.number, "missing required column 'text'")
    lang = fields.get("lang")
    if lang is not None:
        lang = lang.strip().lower()
        if not LANG_CODE.match(lang):
            raise BadRecord(record.file, record.number, f"lang {lang!r} is not an ISO 639-1 code (two letters, e.g. 'fr')")
    nfc = lambda s: unicodedata.normalize("NFC", s) if s is not None else None  # noqa: E731
    return {
        "doc_id": fields.get("doc_id") or derive_doc_id(record.file, record.number, lang),
        "group_id": fields.get("group_id"),
        "lang": lang,
        "title": nfc(fields.get("title")),
        "text": nfc(fields["text"]),
        "source": fields.get("source") or os.path.basename(record.file),
        "meta": json.dumps(record.meta, ensure_ascii=False, sort_keys=True) if record.meta else None,
    }


def _error_row(exc: BadRecord) -> dict:
    return ErrorRow(None, "ingest", "ingest", "BadRecord", str(exc)).row()


def plan_shards(docs: list[dict], shard_bytes: int) -> list[list[dict]]:
    """Cut documents into shards of about `shard_bytes` of UTF-8 text, never splitting a group."""
    groups: dict[str, list[dict]] = {}
    for doc in docs:
        groups.setdefault(doc["group_id"] or "\x00" + doc["doc_id"], []).append(doc)
    shards: list[list[dict]] = []
    current: list[dict] = []
    size = 0
    for members in groups.values():
        group_size = sum(len(d["text"].encode()) for d in members)
        if current and size + group_size > shard_bytes:
            shards.append(current)
            current, size = [], 0
        current.extend(members)
        size += group_size
    if current:
        shards.append(current)
    return shards


def ingest(
    inputs: Iterable[str],
    out: str,
    fmt: str | None = None,
    shard_size_mb: float = 64.0,
    detect_lang: Callable[[str], str | None] | None = None,
    skip_bad: bool = False,
    dedupe: bool = False,
    overwrite: bool = False,
) -> IngestResult:
    """Read every input, validate, assign ids and write the documents shards (and ingest errors) under `out`."""
    if shard_size_mb <= 0:
        raise IngestError(f"--shard-size must be positive, got {shard_size_mb}")
    target = Location(out)
    if not target.is_empty():
        if not overwrite:
            raise IngestError(f"{out} is not empty; choose another folder or pass --overwrite")
        target.remove("documents")
        target.remove("errors")
    result = IngestResult()
    docs: list[dict] = []
    errors: list[dict] = []
    for path in inputs:
        try:
            items = list(read(path, fmt or detect_format(path)))
        except BadRecord as exc:
            items = [exc]
        for item in items:
            try:
                if isinstance(item, BadRecord):
                    raise item
                docs.append(_document(item))
            except BadRecord as exc:
                if not skip_bad:
                    raise IngestError(f"{exc}; fix it or pass --skip-bad to log it in OUT/errors/") from None
                errors.append(_error_row(exc))
    _fill_languages(docs, detect_lang)
    docs = _check_duplicates(docs, dedupe, result)
    if not docs:
        raise IngestError("no documents were read from the input")
    target.makedirs("documents")
    for number, shard in enumerate(plan_shards(docs, int(shard_size_mb * 1_000_000))):
        name = f"part-{number:05d}.parquet"
        target.write_table("documents", to_table("documents", shard), "documents", name)
        result.shards.append(name)
        result.documents += len(shard)
    if errors:
        target.write_table("errors", pa.Table.from_pylist(errors), "errors", "part-ingest.parquet")
    result.skipped = len(errors)
    return result


def _fill_languages(docs: list[dict], detect_lang: Callable[[str], str | None] | None) -> None:
    missing = [d for d in docs if d["lang"] is None]
    if detect_lang is not None:
        for doc in missing:
            doc["lang"] = detect_lang(doc["text"])
        missing = [d for d in missing if d["lang"] is None]
    if missing:
        named = ", ".join(f"{d['doc_id']} ({d['source']})" for d in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        hint = "" if detect_lang else ", or pass --detect-lang"
        raise IngestError(f"{len(missing)} documents have no language: {named}{more}; add a 'lang' column{hint}")


def _check_duplicates(docs: list[dict], dedupe: bool, result: IngestResult) -> list[dict]:
    seen: set[str] = set()
    kept: list[dict] = []
    duplicates: list[str] = []
    for doc in docs:
        if doc["doc_id"] in seen:
            duplicates.append(doc["doc_id"])
            continue
        seen.add(doc["doc_id"])
        kept.append(doc)
    if duplicates and not dedupe:
        shown = ", ".join(sorted(set(duplicates))[:10])
        raise IngestError(f"{len(duplicates)} duplicate doc_id values ({shown}); make them unique or pass --dedupe")
    if duplicates:
        log.warning("--dedupe dropped %d documents with a doc_id seen before", len(duplicates))
    result.duplicates = len(duplicates)
    return kept
