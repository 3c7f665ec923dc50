"""`polycorpus export`: the aligned sentence pairs of one language pair, for MT training.

Reads `OUT/alignments` and `OUT/sentences`, keeps the beads with sentences on both sides (and a score
of at least `min_score`), joins each side's sentences with a space and writes them as
- tsv:   DEST, one `source<TAB>target` line per pair;
- moses: DEST is a prefix: `DEST.L1` and `DEST.L2`, line-parallel (Moses' `corpus.fr` / `corpus.vi`);
- tmx:   DEST, a TMX 1.4 document with one <tu> per pair and the bead score as a <prop>.
Tabs and line breaks inside a sentence become spaces, so one pair is always one line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

import fsspec
import pyarrow as pa
import pyarrow.compute as pc

from corpus.storage import Location
from views.stats import has_table, iter_output_table

FORMATS = ("tsv", "moses", "tmx")
_BREAKS = re.compile(r"[\t\r\n\v\f\u0085\u2028\u2029]+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ExportError(ValueError):
    """A bad --pair or --format, or an OUT without alignments."""


def export_pairs(out: str, pair: str, fmt: str, dest: str, min_score: float | None) -> int:
    """Write the aligned sentence pairs of `pair` ("fr-vi") under OUT to DEST in `fmt`; the number written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    langs = pair.split("-")
    if len(langs) != 2 or not all(langs):
        raise ExportError(f"--pair must look like L1-L2 (fr-vi), got {pair!r}")
    src_lang, tgt_lang = langs
    location = Location(out)
    if not has_table(location, "alignments"):
        raise ExportError(f"{out} has no alignments table: run the align task first (polycorpus run --tasks align)")
    pairs = list(aligned_pairs(location, src_lang, tgt_lang, min_score))
    if fmt == "tsv":
        _write(dest, (f"{s}\t{t}\n" for s, t, _ in pairs))
    elif fmt == "moses":
        _write(f"{dest}.{src_lang}", (f"{s}\n" for s, _, _ in pairs))
        _write(f"{dest}.{tgt_lang}", (f"{t}\n" for _, t, _ in pairs))
    else:
        _write(dest, _tmx(pairs, src_lang, tgt_lang))
    return len(pairs)


def aligned_pairs(out: Location, src_lang: str, tgt_lang: str, min_score: float | None) -> Iterator[tuple[str, str, float | None]]:
    """(source text, target text, score) of every non-null bead between the two languages, in table order.

    Beads stored in the other orientation (tgt_lang-src_lang) are turned around.
    """
    beads = []
    for part in iter_output_table(out, "alignments"):
        for flip, (a, b) in ((False, (src_lang, tgt_lang)), (True, (tgt_lang, src_lang))):
            rows = part.filter(pc.and_(pc.equal(part["src_lang"], a), pc.equal(part["tgt_lang"], b)))
            for row in rows.select(["src_doc_id", "tgt_doc_id", "src_sents", "tgt_sents", "score"]).to_pylist():
                if not row["src_sents"] or not row["tgt_sents"]:
                    continue
                if min_score is not None and (row["score"] is None or row["score"] < min_score):
                    continue
                src = (row["src_doc_id"], row["src_sents"])
                tgt = (row["tgt_doc_id"], row["tgt_sents"])
                beads.append((tgt, src, row["score"]) if flip else (src, tgt, row["score"]))
    texts = _sentences(out, {doc for s, t, _ in beads for doc in (s[0], t[0])})
    for (src_doc, src_sents), (tgt_doc, tgt_sents), score in beads:
        yield _side(texts, src_doc, src_sents), _side(texts, tgt_doc, tgt_sents), score


def _sentences(out: Location, doc_ids: set[str]) -> dict[str, dict[int, str]]:
    """Sentence texts of the documents in `doc_ids`, read one part file at a time."""
    texts: dict[str, dict[int, str]] = defaultdict(dict)
    if not doc_ids:
        return texts
    wanted = list(doc_ids)
    for part in iter_output_table(out, "sentences", columns=["doc_id", "sent_idx", "text"]):
        part = part.filter(pc.is_in(part["doc_id"], value_set=pa.array(wanted)))
        for doc_id, idx, text in zip(*part.to_pydict().values()):
            texts[doc_id][idx] = text
    return texts


def _side(texts: dict[str, dict[int, str]], doc_id: str, sents: list[int]) -> str:
    try:
        return " ".join(_BREAKS.sub(" ", texts[doc_id][i]).strip() for i in sents)
    except KeyError:
        raise ExportError(f"sentence {sents} of document {doc_id!r} is aligned but missing from OUT/sentences") from None


def _write(dest: str, lines: Iterator[str]) -> None:
    with fsspec.open(dest, "w", encoding="utf-8") as handle:
        handle.writelines(lines)


def _tmx(pairs: list[tuple[str, str, float | None]], src_lang: str, tgt_lang: str) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
    yield (
        f'  <header creationtool="polycorpus" creationtoolversion="1" datatype="plaintext" segtype="sentence" '
        f'adminlang="en" srclang={quoteattr(src_lang)} o-tmf="polycorpus"/>\n  <body>\n'
    )
    for src, tgt, score in pairs:
        prop = "" if score is None else f'      <prop type="x-score">{score:.4f}</prop>\n'
        yield f"    <tu>\n{prop}"
        for lang, text in ((src_lang, src), (tgt_lang, tgt)):
            yield f"      <tuv xml:lang={quoteattr(lang)}><seg>{escape(_NOT_XML.sub('', text))}</seg></tuv>\n"
        yield "    </tu>\n"
    yield "  </body>\n</tmx>\n"
