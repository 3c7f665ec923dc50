"""Document alignment over a corpus: the corpus step of the `docalign` task, written against `MapReduce`.

1. `shard_anchors` (the map, where a shard is read): each document without a group_id and with text
   becomes its anchors (tasks/docalign/anchors.py) and its length, written to the step's workspace.
2. `pair_documents` (the orchestration): a first round pairs documents on anchors alone: the hash join
   (tasks/docalign/join.py) bucket by bucket of anchors, the candidates and their scores (scoring.py)
   partition by partition of source documents, the one-to-one assignment (assignment.py) as a stream
   over the candidates sorted out of core. Every intermediate table is a set of Parquet files in the
   workspace (tasks/docalign/spill.py), buckets and partitions are sized from row counts, and a task
   returns only a count: no worker holds more than one task's share, however large the corpus. The
   confident pairs of that round then train a length model per language pair and, through the align
   task's own orchestration (`first_pass` and `learn_lexicons` of tasks/align/corpus.py), an IBM-1
   lexicon; a second round pairs again with the lexicon's word pairs as anchors too. Languages with no
   partner language give a note, not an error.

Restriction by source (`restrict: source`): every anchor key is prefixed with the document's `source`,
so only documents of the same source can share one; a corpus whose language editions carry one source
value per site pairs within each site.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.schemas import to_table
from corpus.storage import Location
from tasks.align.corpus import DocPair, first_pass, learn_lexicons, lexicons_to_table
from tasks.align.lexicon import SentencePairs
from tasks.align.options import AlignOptions
from tasks.base import Handle, MapReduce, ShardData
from tasks.docalign import spill
from tasks.docalign.anchors import ANCHOR, LEXICAL, lexical_anchors, lexicon_anchors, text_anchors
from tasks.docalign.assignment import SCORED, Kept, assign
from tasks.docalign.join import OVERLAPS, POSTINGS, WEIGHTS, candidates, join_bucket, sum_rounded
from tasks.docalign.options import DocalignOptions
from tasks.docalign.scoring import LengthModel, Pair, learn_length_models, score_candidates, with_lengths

log = logging.getLogger(__name__)
DOCS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("lang", pa.string()),
        ("length", pa.int64()),
        ("digest", pa.string()),
        ("shard", pa.string()),
        ("source", pa.string()),
        ("text", pa.string()),
    ]
)
DOCS_DIR, POSTINGS_DIR = "docs", "postings"  # workspace folders of the map's files, one per shard
LEXICON_CHUNK = 50  # document pairs per first-pass task of the lexicon bootstrap
ANCHORS_METHOD, LEXICON_METHOD = "anchors", "anchors+lexicon"


@dataclass(frozen=True)
class ShardAnchors:
    """What the map keeps of a shard: its documents' summary (DOCS without text) and how many anchor postings it wrote.

    The documents with their text and the postings are files in the corpus step's `workspace`
    (docs/<shard>.parquet, postings/<shard>.parquet), read by the tasks that need them.
    """

    workspace: str
    shard: str
    summary: pa.Table
    postings: int

    @property
    def file(self) -> str:
        """The name of the shard's files in the workspace."""
        return shard_file(self.shard)


@dataclass(frozen=True)
class DocumentPairs:
    """The corpus step's value: every pair found (the document_pairs table) and what the report shows of the run.

    `meta`: `documents` and `unpaired` per language, `length_models` per language pair, `notes`.
    """

    pairs: pa.Table
    meta: dict = field(default_factory=dict)

    def by_shard(self, shards: Sequence[str]) -> dict[str, DocumentPairs]:
        """Each of `shards` with its pairs (those whose source it holds; no meta): what its shard step writes."""
        rows: dict[str, list[int]] = {}
        for i, shard in enumerate(self.pairs.column("src_shard").to_pylist()):
            rows.setdefault(shard, []).append(i)
        return {shard: DocumentPairs(self.pairs.take(pa.array(rows.get(shard, []), pa.int64()))) for shard in shards}

    def rows_of_shard(self, shard: str) -> list[dict]:
        """The pairs whose source document lives in `shard` (each pair is written once, with its source)."""
        return self.pairs.filter(pc.equal(self.pairs.column("src_shard"), shard)).to_pylist()


def shard_file(shard: str) -> str:
    """The name of a shard's intermediate files in the workspace."""
    return f"{shard.removesuffix('.parquet')}.parquet"


def shard_anchors(shard: ShardData, options: DocalignOptions) -> ShardAnchors:
    """The map: anchors of every document of the shard without a group_id, written to the workspace; empty documents are left out (they never pair).

    Raises ValueError without a workspace (`ShardData.workspace`, which the runner gives a corpus step's map).
    """
    if shard.workspace is None:
        raise ValueError("docalign's corpus step needs a workspace folder (ShardData.workspace) for its intermediate files")
    docs, postings = [], []
    for doc in shard.documents:
        text = doc["text"]
        if doc["group_id"] is not None or not text.strip():
            continue
        digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
        docs.append(
            {"doc_id": doc["doc_id"], "lang": doc["lang"], "length": len(text), "digest": digest, "shard": shard.shard, "source": doc["source"], "text": text}
        )
        prefix = _prefix(doc["source"], options)
        postings += [
            {"anchor": prefix + a, "kind": ANCHOR, "doc_id": doc["doc_id"], "lang": doc["lang"]} for a in sorted(text_anchors(text, options.min_number))
        ]
    work = Location(shard.workspace)
    table = pa.Table.from_pylist(docs, schema=DOCS)
    spill.write(work, table, DOCS_DIR, shard_file(shard.shard))
    written = spill.write(work, pa.Table.from_pylist(postings, schema=POSTINGS), POSTINGS_DIR, shard_file(shard.shard), key="anchor")
    return ShardAnchors(shard.workspace, shard.shard, table.drop_columns(["text"]), written)


def _prefix(source: str | None, options: DocalignOptions) -> str:
    return f"{source or ''}\x1f" if options.restrict == "source" else ""


def pair_documents(mr: MapReduce, mapped: list[Handle], options: DocalignOptions) -> DocumentPairs:
    """The orchestration: pair on anchors, learn the lexicon and length models on the confident pairs, pair again.

    `mapped` are handles to `shard_anchors` results. Every intermediate table lives in the workspace,
    cut into partitions of about `options.bucket_postings` postings or `options.partition_pairs` pairs, so no task holds more than one
    partition and the assignment streams. Raises what a task raised (the runner fails the phase).
    """
    shards: list[ShardAnchors] = [mr.gather(h) for h in mapped]
    summary = pa.concat_tables([s.summary for s in shards]) if shards else DOCS.remove(DOCS.get_field_index("text")).empty_table()
    per_lang = Counter(summary.column("lang").to_pylist())
    notes = (
        [f"language {lang!r}: {n} documents without group_id and no other language to pair them with" for lang, n in sorted(per_lang.items())]
        if len(per_lang) == 1
        else []
    )
    for note in notes:
        log.warning("docalign: %s", note)
    kept: list[Kept] = []
    models: dict[Pair, LengthModel] = {}
    method = ANCHORS_METHOD
    if len(per_lang) > 1:
        work, documents = shards[0].workspace, summary.num_rows
        scored = _round(mr, shards, work, "r0", None, documents, options)
        models = learn_length_models(_lengths(_assigned(mr, work, scored, None, options.confident_score, options)), options.length_sigma)
        kept = _assigned(mr, work, scored, models, options.min_score, options)
        if options.rescore and kept:
            shard_of, digests = _columns(summary, {d for s in kept for d in s[1:3]}, ("shard", "digest"))
            lexicon = _bootstrap_lexicon(mr, work, [s for s in kept if s[0] >= options.confident_score], shard_of, digests, options)
            if lexicon.num_rows:
                scored = _round(mr, shards, work, "r1", mr.scatter(lexicon), documents, options)
                models = learn_length_models(_lengths(_assigned(mr, work, scored, models, options.confident_score, options)), options.length_sigma) or models
                kept = _assigned(mr, work, scored, models, options.min_score, options)
                method = LEXICON_METHOD
    (shard_of,) = _columns(summary, {d for s in kept for d in s[1:3]}, ("shard",))
    rows = [
        {
            "src_doc_id": src,
            "tgt_doc_id": tgt,
            "src_lang": sl,
            "tgt_lang": tl,
            "score": score,
            "method": method,
            "src_shard": shard_of[src],
            "tgt_shard": shard_of[tgt],
        }
        for score, src, tgt, sl, tl, *_ in kept
    ]
    paired = Counter(lang for _, _, _, sl, tl, *_ in kept for lang in (sl, tl))
    meta = {
        "documents": dict(sorted(per_lang.items())),
        "paired_documents": dict(sorted(paired.items())),
        "unpaired": {lang: per_lang[lang] - paired.get(lang, 0) for lang in sorted(per_lang)},
        "length_models": {f"{a}-{b}": {"mu": round(m.mu, 6), "sigma": round(m.sigma, 6)} for (a, b), m in sorted(models.items())},
        "method": method,
        "notes": notes,
    }
    return DocumentPairs(to_table("document_pairs", rows), meta)


def _columns(summary: pa.Table, doc_ids: set[str], names: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    """doc_id -> value of each of the summary columns `names`, for `doc_ids` only (the driver keeps no per-document dicts)."""
    rows = summary.filter(pc.is_in(summary.column("doc_id"), value_set=pa.array(sorted(doc_ids), pa.string())))
    ids = rows.column("doc_id").to_pylist()
    return tuple(dict(zip(ids, rows.column(name).to_pylist())) for name in names)


def _lengths(kept: list[Kept]) -> list[tuple[Pair, int, int]]:
    return [((sl, tl), src_len, tgt_len) for _, _, _, sl, tl, src_len, tgt_len in kept]


def _round(mr: MapReduce, shards: list[ShardAnchors], work: str, name: str, lexicon: Handle | None, documents: int, options: DocalignOptions) -> str:
    """One round of candidate generation into the workspace folder `name`: join each bucket of anchors, then keep and score each partition's candidates.

    With a lexicon, each shard's lexicon postings are written first. Buckets and partitions are sized
    from the row counts the tasks return. Returns the folder of the scored candidates (SCORED files).
    """
    folders, rows = [POSTINGS_DIR], sum(s.postings for s in shards)
    if lexicon is not None:
        folders.append(f"{name}/lexical")
        rows += sum(mr.gather(h) for h in [mr.submit(_lexical_postings, work, s.file, lexicon, folders[-1], options) for s in shards])
    buckets = options.buckets or max(1, math.ceil(rows / options.bucket_postings))
    weights = (1.0, options.lexical_weight)
    joined = [mr.submit(_join, work, folders, name, b, buckets, documents, options.max_postings, weights) for b in range(buckets)]
    pairs = sum(mr.gather(h) for h in joined)
    parts = options.buckets or max(1, math.ceil(pairs / options.partition_pairs))
    prior = options.prior * math.log(documents + 1)
    for h in [mr.submit(_score, work, name, p, parts, options.candidates, prior) for p in range(parts)]:
        mr.gather(h)
    return f"{name}/scored"


def _join(work: str, folders: list[str], name: str, bucket: int, buckets: int, documents: int, max_postings: int, weights: tuple[float, ...]) -> int:
    """Join one bucket of anchors (its postings from every shard's file) into pair overlaps and norms, each written by document hash; returns the overlap rows."""
    location = Location(work)
    postings = spill.read_range(spill.dataset(location, folders, spill.hashed(POSTINGS)), bucket, buckets)
    overlaps, norms = join_bucket(postings, documents, max_postings, weights, (LEXICAL,))
    spill.write(location, norms, name, "norms", f"{bucket}.parquet", key="doc_id")
    return spill.write(location, overlaps, name, "overlaps", f"{bucket}.parquet", key="src_doc_id")


def _score(work: str, name: str, part: int, parts: int, keep: int, prior: float) -> int:
    """One partition of source documents: its overlaps summed over buckets, its best candidates, their anchor scores and lengths, written as SCORED rows."""
    location = Location(work)
    overlaps = spill.read_range(spill.dataset(location, [f"{name}/overlaps"], spill.hashed(OVERLAPS)), part, parts)
    norm_data = spill.dataset(location, [f"{name}/norms"], spill.hashed(WEIGHTS))
    found, _ = candidates(overlaps, spill.read_range(norm_data, part, parts), keep)
    docs = pa.concat_arrays([found.column("src_doc_id").combine_chunks(), found.column("tgt_doc_id").combine_chunks()]).unique()
    norms = sum_rounded(spill.read_matching(norm_data, "doc_id", docs, WEIGHTS.names), ["doc_id", "other"], "weight")
    known = spill.read_matching(spill.dataset(location, [DOCS_DIR], DOCS), "doc_id", docs, ("doc_id", "length"))
    lengths = dict(zip(known.column("doc_id").to_pylist(), known.column("length").to_pylist()))
    rows = [(*s, lengths[s[1]], lengths[s[2]]) for s in score_candidates(found, norms, prior)]
    return spill.write(location, _scored_table(rows), f"{name}/scored", f"{part}.parquet")


def _scored_table(rows: list[tuple]) -> pa.Table:
    return pa.table([pa.array(column, field.type) for column, field in zip(zip(*rows) if rows else [[]] * len(SCORED), SCORED)], schema=SCORED)


def _assigned(mr: MapReduce, work: str, scored: str, models: dict[Pair, LengthModel] | None, threshold: float, options: DocalignOptions) -> list[Kept]:
    """The pairs kept by the one-to-one assignment over the `scored` folder (first with `models`' length factors unless None), run on a worker; read back here."""
    location = Location(work)
    folder = scored
    if models is not None:
        folder = f"{scored}-{threshold}"
        for h in [mr.submit(_with_lengths, work, scored, name, folder, models, options) for name in location.list(scored, suffix=".parquet")]:
            mr.gather(h)
    out = f"{folder}-kept-{threshold}.parquet"
    mr.gather(mr.submit(_assign, work, folder, threshold, out, options))
    table = location.read_table(out)
    return sorted(zip(*(table.column(c).to_pylist() for c in SCORED.names)), key=lambda s: (s[3], s[4], s[1]))


def _with_lengths(work: str, source: str, name: str, target: str, models: dict[Pair, LengthModel], options: DocalignOptions) -> None:
    """One file of scored candidates with each score times its length factor (scoring.with_lengths)."""
    location = Location(work)
    table = location.read_table(source, name)
    rows = list(zip(*(table.column(c).to_pylist() for c in SCORED.names)))
    lengths = {doc: n for row in rows for doc, n in ((row[1], row[5]), (row[2], row[6]))}
    final = with_lengths([row[:5] for row in rows], lengths, models, options.length_sigma, options.length_weight)
    spill.write(location, _scored_table([(*f, row[5], row[6]) for f, row in zip(final, rows)]), target, name)


def _assign(work: str, folder: str, threshold: float, out: str, options: DocalignOptions) -> int:
    """The one-to-one assignment over the SCORED files of `folder`, streamed into the file `out` (SCORED rows, margin as score); returns the pairs kept."""
    location = Location(work)
    temp = location.path("duckdb") if location.is_local else tempfile.gettempdir()
    kept = 0
    with location.fs.open(location.path(out), "wb") as handle, pq.ParquetWriter(handle, SCORED) as writer:
        stream = assign(spill.dataset(location, [folder], SCORED), threshold, options.neighbours, options.assign_memory, temp)
        while batch := list(itertools.islice(stream, spill.ROW_GROUP)):
            writer.write_table(_scored_table(batch))
            kept += len(batch)
    return kept


def _lexical_postings(work: str, file: str, lexicon: pa.Table, folder: str, options: DocalignOptions) -> int:
    """The `lex:` postings of a shard's documents for every language pair the lexicon covers, written to `folder`; returns their number."""
    location = Location(work)
    docs = location.read_table(DOCS_DIR, file, columns=["doc_id", "lang", "source", "text"])
    rows = list(zip(*(lexicon.column(c).to_pylist() for c in ("src_lang", "tgt_lang", "src", "tgt", "prob"))))
    pairs = sorted({(a, b) if a < b else (b, a) for a, b, *_ in rows})
    tables = {pair: lexicon_anchors(rows, pair, options.lexicon_min_prob, options.lexicon_translations) for pair in pairs}
    postings = []
    for doc_id, lang, source, text in zip(*(docs.column(c).to_pylist() for c in ("doc_id", "lang", "source", "text"))):
        prefix = _prefix(source, options)
        for pair, by_lang in tables.items():
            if lang in pair:
                postings += [{"anchor": prefix + a, "kind": LEXICAL, "doc_id": doc_id, "lang": lang} for a in sorted(lexical_anchors(text, by_lang[lang]))]
    return spill.write(location, pa.Table.from_pylist(postings, schema=POSTINGS), folder, file, key="anchor")


def _bootstrap_lexicon(
    mr: MapReduce, work: str, confident: Sequence[Kept], shards: dict[str, str], digests: dict[str, str], options: DocalignOptions
) -> pa.Table:
    """The IBM-1 lexicon (as a `lexicon` table) learned by the align task's orchestration on the most confident pairs of each language pair.

    A pair whose two texts equal those of a pair already chosen (`digests`: doc_id -> text hash) is left
    out, so copies of a document do not crowd out the variety the lexicon learns from.
    """
    chosen: list[Kept] = []
    by_pair: dict[Pair, list[Kept]] = {}
    for s in confident:
        by_pair.setdefault((s[3], s[4]), []).append(s)
    for pair_scores in by_pair.values():
        seen: set[tuple[str, str]] = set()
        for s in sorted(pair_scores, key=lambda s: (-s[0], s[1])):
            texts = (digests[s[1]], digests[s[2]])
            if texts not in seen and len(seen) < options.lexicon_pairs:
                seen.add(texts)
                chosen.append(s)
    if not chosen:
        return to_table("lexicon", [])
    wanted: dict[str, set[str]] = {}
    for _, src, tgt, *_ in chosen:
        wanted.setdefault(shards[src], set()).add(src)
        wanted.setdefault(shards[tgt], set()).add(tgt)
    order = sorted(wanted)
    index = {name: i for i, name in enumerate(order)}
    lines = [mr.submit(_doc_lines, work, shard_file(name), sorted(wanted[name])) for name in order]
    align_options = AlignOptions(em_iterations=options.em_iterations, dictionary=options.dictionary)
    confident_handles = []
    chosen.sort(key=lambda s: (s[3], s[4], s[1]))
    for start in range(0, len(chosen), LEXICON_CHUNK):
        chunk = chosen[start : start + LEXICON_CHUNK]
        needed = sorted({index[shards[s[1]]] for s in chunk} | {index[shards[s[2]]] for s in chunk})
        confident_handles.append(mr.submit(_first_pass, [(s[1], s[2], s[3], s[4]) for s in chunk], align_options, *[lines[i] for i in needed]))
    lexicons = learn_lexicons(mr, confident_handles, align_options)
    table, _ = lexicons_to_table(lexicons)
    return table


def _doc_lines(work: str, file: str, doc_ids: list[str]) -> dict[str, list[str]]:
    """The non-empty lines of the given documents of a shard (a line break ends a sentence): what the lexicon learns from."""
    docs = Location(work).read_table(DOCS_DIR, file, columns=["doc_id", "text"])
    wanted = set(doc_ids)
    return {
        d: [line.strip() for line in t.splitlines() if line.strip()]
        for d, t in zip(docs.column("doc_id").to_pylist(), docs.column("text").to_pylist())
        if d in wanted
    }


def _first_pass(pairs: list[tuple[str, str, str, str]], options: AlignOptions, *lines: dict[str, list[str]]) -> dict[Pair, SentencePairs]:
    """The align task's first pass over a chunk of confident document pairs: their confident sentence pairs per language pair."""
    texts: dict[str, list[str]] = {}
    for part in lines:
        texts.update(part)
    grouped: dict[Pair, list[DocPair]] = {}
    for src, tgt, sl, tl in pairs:
        grouped.setdefault((sl, tl), []).append(DocPair(None, src, tgt, texts[src], texts[tgt]))
    return first_pass(grouped, options)
