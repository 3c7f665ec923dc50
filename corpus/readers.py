"""Readers of raw input formats: each yields `Record`s with where they came from, nothing more.

JSONL, CSV and TSV keys are the documents columns; unknown keys go into `meta`. A folder of .txt
files gives one document per file; Moses line-parallel files one document per file, keeping its
lines as sentences; TMX one document per translation unit variant. Validation, ids and
sharding happen in `corpus.ingest`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

FORMATS = ("jsonl", "csv", "tsv", "txt", "moses", "tmx")
COLUMNS = ("doc_id", "group_id", "lang", "title", "text", "source", "meta")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_LANG_SUFFIX = re.compile(r"^[a-z]{2,3}$")
_SURROGATE = re.compile("[\udc80-\udcff]")


class BadRecord(ValueError):
    """One input record that cannot become a document; the message names the file and line."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.reason = file, line, message


@dataclass
class Record:
    """One raw document before validation: its fields, and the file and record number it came from."""

    fields: dict[str, Any]
    file: str
    number: int
    meta: dict[str, Any] = field(default_factory=dict)


def detect_format(path: str) -> str:
    """Guess the format from a file's suffix or a folder (a folder of .txt files)."""
    if os.path.isdir(path):
        return "txt"
    suffix = path.rsplit(".", 1)[-1].lower()
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "tsv", "tmx", "txt"):
        return suffix
    if _LANG_SUFFIX.match(suffix):
        return "moses"
    raise BadRecord(path, None, "cannot tell the input format from the name; pass --format")


def read(path: str, fmt: str) -> Iterator[Record | BadRecord]:
    """Records of one input path in format `fmt`; a bad record is yielded as a BadRecord so reading goes on.

    A problem with the whole file (missing, unparseable) is raised instead.
    """
    if not os.path.exists(path):
        raise BadRecord(path, None, "no such file or folder")
    readers = {"jsonl": _jsonl, "csv": _csv, "tsv": _csv, "txt": _txt, "moses": _moses, "tmx": _tmx}
    if fmt not in readers:
        raise BadRecord(path, None, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    yield from readers[fmt](path, fmt)


def _split_columns(raw: dict[str, Any], file: str, line: int) -> Record:
    fields = {k: v for k, v in raw.items() if k in COLUMNS and k != "meta"}
    meta = {k: v for k, v in raw.items() if k not in COLUMNS}
    given = raw.get("meta")
    if isinstance(given, str) and given.strip():
        try:
            given = json.loads(given)
        except json.JSONDecodeError as exc:
            raise BadRecord(file, line, f"column 'meta' is not valid JSON ({exc.msg})") from None
    if isinstance(given, dict):
        meta = {**given, **meta}
    elif given not in (None, ""):
        raise BadRecord(file, line, f"column 'meta' must be a JSON object, got {type(given).__name__}")
    return Record(fields, file, line, meta)


def _jsonl(path: str, fmt: str) -> Iterator[Record | BadRecord]:
    with open(path, "rb") as handle:
        for number, raw_line in enumerate(handle, start=1):
            try:
                line = raw_line.decode("utf-8")
                if not line.strip():
                    continue
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise BadRecord(path, number, f"expected a JSON object, got {type(obj).__name__}")
                yield _split_columns(obj, path, number)
            except UnicodeDecodeError as exc:
                yield BadRecord(path, number, f"invalid UTF-8 ({exc.reason} at byte {exc.start})")
            except json.JSONDecodeError as exc:
                yield BadRecord(path, number, f"invalid JSON ({exc.msg})")
            except BadRecord as exc:
                yield exc


def _csv(path: str, fmt: str) -> Iterator[Record | BadRecord]:
    csv.field_size_limit(sys.maxsize)
    delimiter = "\t" if fmt == "tsv" else ","
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        if reader.fieldnames is None or "text" not in reader.fieldnames:
            raise BadRecord(path, 1, f"the header has no 'text' column (columns: {reader.fieldnames})")
        for row in reader:
            if None in row:
                yield BadRecord(path, reader.line_num, "more fields than the header has")
                continue
            if any(_SURROGATE.search(v) for v in row.values() if v):
                yield BadRecord(path, reader.line_num, "invalid UTF-8 bytes in this row")
                continue
            cleaned = {k: (v if v != "" else None) for k, v in row.items()}
            cleaned["text"] = row["text"]
            try:
                yield _split_columns(cleaned, path, reader.line_num)
            except BadRecord as exc:
                yield exc


def _lang_and_stem(path: str) -> tuple[str | None, str]:
    """`article.fr.txt` -> ("fr", "article"); `news.vi` -> ("vi", "news"); no suffix -> (None, stem)."""
    name = os.path.basename(path)
    if name.endswith(".txt"):
        name = name[: -len(".txt")]
    stem, _, suffix = name.rpartition(".")
    if stem and _LANG_SUFFIX.match(suffix):
        return suffix, stem
    return None, name


def read_lines(path: str | None) -> list[str]:
    """The lines of a UTF-8 text file (standard input for None or "-"), line breaks ("\\n", "\\r\\n") removed.

    Raises BadRecord naming the file and line of invalid UTF-8, and OSError (with the path) for a file
    that cannot be opened.
    """
    name = "stdin" if path in (None, "-") else path
    lines = []
    with _stdin_bytes() if name == "stdin" else open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                lines.append(raw.decode("utf-8").rstrip("\n").rstrip("\r"))
            except UnicodeDecodeError as exc:
                raise BadRecord(name, number, f"invalid UTF-8 ({exc.reason} at byte {exc.start} of the line)") from None
    return lines


def _stdin_bytes() -> IO[bytes]:
    """Standard input as bytes (its raw buffer; re-encoded when a caller replaced it with a text stream)."""
    buffer = getattr(sys.stdin, "buffer", None)
    return io.BytesIO(buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8", "surrogateescape"))


def _read_whole(path: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise BadRecord(path, None, f"invalid UTF-8 ({exc.reason} at byte {exc.start})") from None


def _txt(path: str, fmt: str) -> Iterator[Record | BadRecord]:
    files = sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".txt")) if os.path.isdir(path) else [path]
    for file in files:
        lang, stem = _lang_and_stem(file)
        try:
            text = _read_whole(file)
        except BadRecord as exc:  # one bad file of a folder must not lose the others
            yield exc
            continue
        fields = {"text": text, "group_id": stem}
        if lang:
            fields["lang"] = lang
        yield Record(fields, file, 1)


def _moses(path: str, fmt: str) -> Iterator[Record]:
    lang, stem = _lang_and_stem(path)
    if lang is None:
        raise BadRecord(path, None, "a Moses file is named NAME.LANG (news.fr, news.vi)")
    text = _read_whole(path)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    fields = {"text": "\n".join(lines), "group_id": stem, "lang": lang}
    yield Record(fields, path, 1, {"lines_are_sentences": True})


def _tmx(path: str, fmt: str) -> Iterator[Record]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise BadRecord(path, exc.position[0], f"invalid TMX/XML ({exc})") from None
    body = root.find("body")
    if body is None:
        raise BadRecord(path, None, "a TMX file needs a <body>")
    for unit_number, tu in enumerate(body.iter("tu"), start=1):
        group = tu.get("tuid") or f"{os.path.basename(path)}#{unit_number}"
        for tuv in tu.iter("tuv"):
            lang = tuv.get(_XML_LANG) or tuv.get("lang")
            seg = tuv.find("seg")
            if seg is None:
                raise BadRecord(path, unit_number, "a <tuv> without <seg>")
            fields = {"text": "".join(seg.itertext()), "group_id": group}
            if lang:
                fields["lang"] = lang.split("-")[0].split("_")[0].lower()
            yield Record(fields, path, unit_number)
