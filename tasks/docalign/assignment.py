"""One-to-one assignment of scored candidates per language pair: greedy by similarity, then the threshold on the margin.

Greedy matching in decreasing similarity is the assignment of the WMT16 document alignment baseline
(Buck and Koehn 2016); it keeps each document in at most one pair per other language, and a document
whose best candidate was taken by a better pair falls back to its next one. A pair's written score is
its similarity minus the mean of both documents' background (the mean similarity of each document's
`neighbours` best other candidates), the hubness correction CSLS of Conneau et al. 2018 ("Word
Translation Without Parallel Data"): long documents on a common topic resemble many documents, so only
a similarity well above a document's background makes a translation.

The candidates are never held whole: DuckDB ranks each document's best candidates and sorts the
candidates by similarity out of core (under `memory_limit`, spilling to `temp_directory`), and the
greedy pass reads that order as a stream, keeping only the set of documents already taken.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

SCORED = pa.schema(
    [
        ("score", pa.float64()),
        ("src_doc_id", pa.string()),
        ("tgt_doc_id", pa.string()),
        ("src_lang", pa.string()),
        ("tgt_lang", pa.string()),
        ("src_len", pa.int64()),
        ("tgt_len", pa.int64()),
    ]
)
Kept = tuple[float, str, str, str, str, int, int]  # (margin, src_doc_id, tgt_doc_id, src_lang, tgt_lang, src_len, tgt_len)
BATCH = 4096  # rows of the sorted stream read at a time
FLUSH = "8MB"  # DuckDB gives its allocator's free memory back to the system after a query that used more than this
ORDERED = """
WITH sides AS (
    SELECT src_doc_id AS doc, tgt_lang AS lang, score, tgt_doc_id AS partner FROM scored
    UNION ALL SELECT tgt_doc_id, src_lang, score, src_doc_id FROM scored
), ranked AS (
    SELECT doc, lang, score, partner, row_number() OVER (PARTITION BY doc, lang ORDER BY score DESC, partner) AS rank FROM sides
), tops AS (
    SELECT doc, lang, list(score ORDER BY rank) AS scores, list(partner ORDER BY rank) AS partners FROM ranked WHERE rank <= $top GROUP BY doc, lang
)
SELECT c.score, c.src_doc_id, c.tgt_doc_id, c.src_lang, c.tgt_lang, c.src_len, c.tgt_len, s.scores, s.partners, t.scores, t.partners
FROM scored c
JOIN tops s ON s.doc = c.src_doc_id AND s.lang = c.tgt_lang
JOIN tops t ON t.doc = c.tgt_doc_id AND t.lang = c.src_lang
WHERE c.score >= $min_score
ORDER BY c.score DESC, c.src_doc_id, c.tgt_doc_id
"""


def assign(scored: ds.Dataset, min_score: float, neighbours: int, memory_limit: str, temp_directory: str) -> Iterator[Kept]:
    """The pairs kept, with their margin as score, in greedy order: most similar first (ties by doc ids), each document once per other language.

    `scored` holds SCORED rows (similarity, then the documents' lengths, passed through). A pair whose
    margin is below `min_score` is not kept (its documents stay free for other pairs). Margins are
    rounded to 6 decimals. DuckDB uses at most `memory_limit` (say "64MB") and one thread, and returns
    its free memory afterwards, so a worker's footprint does not keep its peak.
    """
    taken: set[tuple[str, str]] = set()  # (doc_id, language of its partner)
    config = {
        "memory_limit": memory_limit,
        "threads": 1,
        "temp_directory": temp_directory,
        "preserve_insertion_order": False,
        "allocator_flush_threshold": FLUSH,
    }
    with duckdb.connect(config=config) as db:
        db.register("scored", scored)
        reader = db.sql(ORDERED, params={"top": neighbours + 1, "min_score": min_score}).to_arrow_reader(BATCH)
        for batch in reader:
            for score, src, tgt, src_lang, tgt_lang, src_len, tgt_len, *tops in zip(*(column.to_pylist() for column in batch.columns)):
                if (src, tgt_lang) in taken or (tgt, src_lang) in taken:
                    continue
                margin = score - (_background(tops[0], tops[1], tgt, neighbours) + _background(tops[2], tops[3], src, neighbours)) / 2
                if margin < min_score:
                    continue
                taken.add((src, tgt_lang))
                taken.add((tgt, src_lang))
                yield (round(margin, 6), src, tgt, src_lang, tgt_lang, src_len, tgt_len)


def _background(scores: list[float], partners: list[str], partner: str, neighbours: int) -> float:
    """The mean similarity of a document's best `neighbours` candidates other than `partner` (from its best neighbours + 1); 0 for none."""
    others = [score for score, other in zip(scores, partners) if other != partner][:neighbours]
    return sum(others) / len(others) if others else 0.0
