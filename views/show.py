"""One document in the terminal: its text with entities highlighted, then its aligned sentences beside their translation.

Highlights are ANSI colours on a terminal and `[text|LABEL]` brackets otherwise, so piped output stays
readable and greppable. Columns are measured in terminal cells (wide CJK characters count two).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pyarrow.compute as pc

from corpus.storage import Location
from views.stats import has_table, iter_output_table, latest_run

_COLOURS = {"PERSON": "\x1b[1;36m", "ORG": "\x1b[1;33m", "MONEY": "\x1b[1;32m"}
_OTHER_COLOUR = "\x1b[1;35m"
_RESET = "\x1b[0m"
_GUTTER = 6  # the score column
_SEPARATOR = " | "


@dataclass
class Aligned:
    """The beads between the shown document and one translation, oriented so the shown document is on the left."""

    other: dict[str, Any]
    other_sentences: list[str]
    beads: list[tuple[list[int], list[int], float | None]]
    method: str


@dataclass
class DocumentView:
    """Everything `show` prints about one document."""

    doc: dict[str, Any]
    shard: str
    sentences: list[str]
    entities: list[dict[str, Any]]
    has_entities: bool
    has_alignments: bool
    aligned: list[Aligned] = field(default_factory=list)


def load_view(out: Location, doc_id: str) -> DocumentView:
    """Read one document, its entities, its sentences and those of the documents aligned with it.

    KeyError if the document is unknown; FileNotFoundError when OUT has no `_run.json` (see `latest_run`).
    """
    docs = Location(latest_run(out).docs)
    doc, shard = _find_document(docs, doc_id)
    view = DocumentView(
        doc=doc,
        shard=shard,
        sentences=_sentences(out, doc_id, shard),
        entities=sorted(_rows(out, "entities", "doc_id", doc_id, shard), key=lambda e: (e["start"], -e["end"])),
        has_entities=has_table(out, "entities"),
        has_alignments=has_table(out, "alignments"),
    )
    beads: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for column in ("src_doc_id", "tgt_doc_id"):
        for row in _rows(out, "alignments", column, doc_id):
            beads.setdefault((row["src_doc_id"], row["tgt_doc_id"]), []).append(row)
    for (src, tgt), rows in sorted(beads.items()):
        left_is_src = src == doc_id
        other_id = tgt if left_is_src else src
        other, other_shard = _find_document(docs, other_id, prefer=shard)
        oriented = [(r["src_sents"], r["tgt_sents"], r["score"]) if left_is_src else (r["tgt_sents"], r["src_sents"], r["score"]) for r in rows]
        view.aligned.append(Aligned(other, _sentences(out, other_id, other_shard), oriented, rows[0]["method"]))
    return view


def _find_document(docs: Location, doc_id: str, prefer: str | None = None) -> tuple[dict[str, Any], str]:
    """The document row and the name of its shard, looking in `prefer` first (translations share a shard)."""
    names = docs.list(suffix=".parquet")
    for name in ([prefer] if prefer in names else []) + [n for n in names if n != prefer]:
        ids = docs.read_table(name, columns=["doc_id"]).column("doc_id")
        hits = pc.index(ids, doc_id).as_py()
        if hits >= 0:
            return docs.read_table(name).slice(hits, 1).to_pylist()[0], name
    raise KeyError(f"no document {doc_id!r} under {docs.url}")


def _rows(out: Location, table: str, column: str, doc_id: str, shard: str | None = None) -> list[dict[str, Any]]:
    """Rows of `table` whose `column` is `doc_id`: from the part named like the document's shard when it has them, else from every part."""
    if shard and out.exists(table, shard):
        part = out.read_table(table, shard)
        rows = part.filter(pc.equal(part.column(column), doc_id)).to_pylist()
        if rows:
            return rows
    return [row for part in iter_output_table(out, table) for row in part.filter(pc.equal(part.column(column), doc_id)).to_pylist()]


def _sentences(out: Location, doc_id: str, shard: str) -> list[str]:
    rows = sorted(_rows(out, "sentences", "doc_id", doc_id, shard), key=lambda r: r["sent_idx"])
    return [r["text"] for r in rows]


def render(view: DocumentView, colour: bool, width: int) -> str:
    """The terminal text of a document view, `width` cells wide."""
    doc = view.doc
    head = f"{doc['doc_id']}  lang={doc['lang']}  group={doc['group_id'] or '-'}  shard={view.shard}"
    lines = [head, "=" * min(width, _cells(head))]
    if doc["title"] and not doc["text"].startswith(doc["title"]):
        lines += [doc["title"], ""]
    lines.append(highlight(doc["text"], view.entities, colour))
    lines.append("")
    if view.has_entities:
        counts: dict[str, int] = {}
        for ent in view.entities:
            counts[ent["label"]] = counts.get(ent["label"], 0) + 1
        lines.append("entities: " + (", ".join(f"{label} {n}" for label, n in sorted(counts.items())) or "none"))
    else:
        lines.append("entities: no entities table (polycorpus run --tasks entities)")
    if not view.has_alignments:
        lines.append("alignment: no alignments table (polycorpus run --tasks align)")
    elif not view.aligned:
        lines.append("alignment: this document is not aligned with any other")
    for aligned in view.aligned:
        lines += ["", *side_by_side(doc["lang"], view.sentences, aligned, width)]
    return "\n".join(lines) + "\n"


def highlight(text: str, entities: list[dict[str, Any]], colour: bool) -> str:
    """The text with each entity marked: ANSI colour, or `[text|LABEL]`; an entity overlapping an earlier one is left unmarked."""
    parts, cursor = [], 0
    for ent in entities:
        if ent["start"] < cursor:
            continue
        span = text[ent["start"] : ent["end"]]
        marked = f"{_COLOURS.get(ent['label'], _OTHER_COLOUR)}{span}{_RESET}" if colour else f"[{span}|{ent['label']}]"
        parts += [text[cursor : ent["start"]], marked]
        cursor = ent["end"]
    parts.append(text[cursor:])
    return "".join(parts)


def side_by_side(lang: str, sentences: list[str], aligned: Aligned, width: int) -> list[str]:
    """One row per bead: its score, this document's sentences on the left, the translation's on the right."""
    other = aligned.other
    scores = [score for _, _, score in aligned.beads if score is not None]
    mean = f", mean score {sum(scores) / len(scores):.2f}" if scores else ""
    column = max(12, (width - _GUTTER - len(_SEPARATOR)) // 2)
    lines = [
        f"aligned with {other['doc_id']} ({other['lang']}): {len(aligned.beads)} beads by {aligned.method}{mean}",
        _row("score", lang, other["lang"], column),
        "-" * (_GUTTER + 2 * column + len(_SEPARATOR)),
    ]
    for left_idx, right_idx, score in aligned.beads:
        left = [line for i in left_idx for line in wrap(_numbered(sentences, i), column)]
        right = [line for i in right_idx for line in wrap(_numbered(aligned.other_sentences, i), column)]
        gutter = f"{score:.2f}" if score is not None else "-"
        for n in range(max(len(left), len(right), 1)):
            lines.append(_row(gutter if n == 0 else "", left[n] if n < len(left) else "", right[n] if n < len(right) else "", column))
    return lines


def _numbered(sentences: list[str], idx: int) -> str:
    return f"[{idx}] {sentences[idx]}" if idx < len(sentences) else f"[{idx}] (missing sentence)"


def _row(gutter: str, left: str, right: str, column: int) -> str:
    return f"{gutter:<{_GUTTER}}{left}{' ' * (column - _cells(left))}{_SEPARATOR}{right}".rstrip()


def _cells(text: str) -> int:
    """Terminal cells a string takes: wide and full-width characters two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap to `width` cells, cutting words (and unspaced scripts) that are longer than a line."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _cells(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if _cells(line + ch) > width:
                lines.append(line)
                line = ""
            line += ch
    if line or not lines:
        lines.append(line)
    return lines
