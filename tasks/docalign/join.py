"""The document hash join: postings (anchor, kind, doc_id, lang) partitioned by anchor, joined per bucket, summed per pair.

Stage 1 (`join_bucket`, one task per bucket of anchors, its postings read from every shard's file by
hash range, tasks/docalign/spill.py): an anchor's document frequency is counted over the whole corpus
there, anchors in more than `max_postings` documents or in one language only are dropped, the rest
weigh log((N + 1) / df) (an idf), and documents of different languages that share an anchor become
candidate pairs with the anchor's weight; each document's total weight towards every other language
(the norm of its score) comes out too. Stage 2 (`candidates`, one task per partition of source
documents, read the same way): the partial sums of every bucket are added per pair, and each source
document keeps its best `candidates`.

Memory per task is one bucket's postings and their pairs, or one partition's pair sums; the corpus
step sizes buckets and partitions by row counts (DocalignOptions.bucket_postings, partition_pairs), and candidates per
document are at most (its anchors x max_postings) before pruning. Postings are Arrow tables and the
joins and group-bys are Arrow's (Acero), single-threaded so that the order of float sums, and so every
score, is the same on every executor.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

POSTINGS = pa.schema([("anchor", pa.string()), ("kind", pa.int8()), ("doc_id", pa.string()), ("lang", pa.string())])
WEIGHTS = pa.schema([("doc_id", pa.string()), ("other", pa.string()), ("weight", pa.float64())])
OVERLAPS = pa.schema(
    [("src_doc_id", pa.string()), ("tgt_doc_id", pa.string()), ("src_lang", pa.string()), ("tgt_lang", pa.string()), ("overlap", pa.float64())]
)
ANY = "*"  # the `other` of a norm that counts towards every language
DIGITS = 9  # sums are rounded to this many decimals, so partial sums added in any order agree


def join_bucket(postings: pa.Table, documents: int, max_postings: int, kind_weights: Sequence[float], pair_kinds: Sequence[int]) -> tuple[pa.Table, pa.Table]:
    """One bucket's postings (from every shard) joined into pair overlaps and document norms.

    `documents` is N of the idf; `kind_weights[kind]` scales the weight of an anchor of that kind. A
    document's norm towards ANY language sums its kept anchors of the language-independent kinds; the
    anchors of `pair_kinds` (made for one language pair) count towards the other languages that hold
    them. Returns (overlaps, norms), tables of OVERLAPS and WEIGHTS.
    """
    stats = postings.group_by("anchor", use_threads=False).aggregate([("doc_id", "count"), ("lang", "count_distinct")])
    kept = stats.filter((pc.field("doc_id_count") <= max_postings) & (pc.field("lang_count_distinct") >= 2))
    idf = pc.ln(pc.divide(pa.scalar(float(documents + 1)), pc.cast(kept.column("doc_id_count"), pa.float64())))
    kept = pa.table({"anchor": kept.column("anchor"), "idf": idf})
    weighted = postings.join(kept, "anchor", join_type="inner", use_threads=False)
    scale = pc.take(pa.array(kind_weights, pa.float64()), pc.cast(weighted.column("kind"), pa.int64()))
    weighted = weighted.append_column("weight", pc.multiply(weighted.column("idf"), scale)).drop_columns(["idf"])
    specific = pc.is_in(weighted.column("kind"), pa.array(pair_kinds, pa.int8()))
    general = weighted.filter(pc.invert(specific)).group_by("doc_id", use_threads=False).aggregate([("weight", "sum")])
    general = pa.table({"doc_id": general.column("doc_id"), "other": pa.array([ANY] * general.num_rows, pa.string()), "weight": general.column("weight_sum")})
    paired = weighted.filter(specific)
    langs = paired.group_by(["anchor", "lang"], use_threads=False).aggregate([]).rename_columns(["anchor", "other"])
    towards = paired.join(langs, "anchor", use_threads=False).filter(pc.field("lang") != pc.field("other"))
    towards = towards.group_by(["doc_id", "other"], use_threads=False).aggregate([("weight", "sum")]).rename_columns(["doc_id", "other", "weight"])
    norms = pa.concat_tables([general.cast(WEIGHTS), towards.cast(WEIGHTS)])
    left = weighted.select(["anchor", "doc_id", "lang", "weight"]).rename_columns(["anchor", "src_doc_id", "src_lang", "weight"])
    right = weighted.select(["anchor", "doc_id", "lang"]).rename_columns(["anchor", "tgt_doc_id", "tgt_lang"])
    joined = left.join(right, "anchor", use_threads=False).filter(pc.field("src_lang") < pc.field("tgt_lang"))
    keys = list(OVERLAPS.names[:4])
    overlaps = joined.group_by(keys, use_threads=False).aggregate([("weight", "sum")]).rename_columns([*keys, "overlap"])
    return overlaps.cast(OVERLAPS), norms


def sum_rounded(table: pa.Table, keys: list[str], value: str) -> pa.Table:
    """`table` summed over `value` per `keys`, rounded to DIGITS decimals and sorted by the keys."""
    summed = table.group_by(keys, use_threads=False).aggregate([(value, "sum")]).rename_columns([*keys, value])
    summed = summed.set_column(summed.schema.get_field_index(value), value, pc.round(summed.column(value), DIGITS))
    return summed.sort_by([(k, "ascending") for k in keys])


def norm_of(norms: pa.Table) -> dict[tuple[str, str], float]:
    """(doc_id, other) -> weight of a WEIGHTS table, summed."""
    out: dict[tuple[str, str], float] = {}
    for doc, other, weight in zip(*(norms.column(c).to_pylist() for c in WEIGHTS.names)):
        out[(doc, other)] = out.get((doc, other), 0.0) + weight
    return out


def candidates(overlaps: pa.Table, norms: pa.Table, keep: int) -> tuple[pa.Table, pa.Table]:
    """One partition's pairs: overlaps (every bucket's partial sums) summed, and each source document's best `keep` per target language.

    Ranks a source document's candidates by their overlap over its own norm (the target's norm lives in
    another partition). Returns (candidates: OVERLAPS rows, norms of this partition's documents: WEIGHTS rows).
    """
    overlaps = sum_rounded(overlaps, list(OVERLAPS.names[:4]), "overlap")
    norms = sum_rounded(norms, ["doc_id", "other"], "weight")
    norm = norm_of(norms)
    ranked: dict[tuple[str, str], list[tuple[float, str, int]]] = {}
    columns = zip(*(overlaps.column(c).to_pylist() for c in ("src_doc_id", "tgt_doc_id", "tgt_lang", "overlap")))
    for row, (src, tgt, tgt_lang, overlap) in enumerate(columns):
        rank = overlap / max(norm.get((src, tgt_lang), 0.0) + norm.get((src, ANY), 0.0), 1e-9)
        ranked.setdefault((src, tgt_lang), []).append((-rank, tgt, row))
    rows = sorted(row for found in ranked.values() for _, _, row in sorted(found)[:keep])
    return overlaps.take(pa.array(rows, pa.int64())), norms
