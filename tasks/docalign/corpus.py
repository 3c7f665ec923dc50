"""Document alignment over a corpus: the corpus step of the `docalign` task, written against `MapReduce`.

1. `shard_anchors` (the map, where a shard is read): each document without a group_id and with text
   becomes its anchors (tasks/docalign/anchors.py) and its length.
2. `pair_documents` (the orchestration): a first round pairs documents on anchors alone: the hash join
   (tasks/docalign/join.py), the scores (scoring.py), the one-to-one assignment (assignment.py). The
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
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from corpus.schemas import to_table
from tasks.align.corpus import DocPair, first_pass, learn_lexicons, lexicons_to_table
from tasks.align.lexicon import SentencePairs
from tasks.align.options import AlignOptions
from tasks.base import Handle, MapReduce, ShardData
from tasks.docalign.anchors import ANCHOR, LEXICAL, lexical_anchors, lexicon_anchors, text_anchors
from tasks.docalign.assignment import assign
from tasks.docalign.join import POSTINGS, candidates, join_bucket, split_by_key
from tasks.docalign.options import DocalignOptions
from tasks.docalign.scoring import LengthModel, Pair, Scored, learn_length_models, score_candidates, with_lengths

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
LEXICON_CHUNK = 50  # document pairs per first-pass task of the lexicon bootstrap
ANCHORS_METHOD, LEXICON_METHOD = "anchors", "anchors+lexicon"


@dataclass(frozen=True)
class ShardAnchors:
    """A shard's documents to pair (DOCS schema) and their anchor postings (join.POSTINGS schema)."""

    docs: pa.Table
    postings: pa.Table


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


def shard_anchors(shard: ShardData, options: DocalignOptions) -> ShardAnchors:
    """The map: anchors of every document of the shard without a group_id; empty documents are left out (they never pair)."""
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
    return ShardAnchors(pa.Table.from_pylist(docs, schema=DOCS), pa.Table.from_pylist(postings, schema=POSTINGS))


def _prefix(source: str | None, options: DocalignOptions) -> str:
    return f"{source or ''}\x1f" if options.restrict == "source" else ""


def pair_documents(mr: MapReduce, mapped: list[Handle], options: DocalignOptions) -> DocumentPairs:
    """The orchestration: pair on anchors, learn the lexicon and length models on the confident pairs, pair again.

    `mapped` are handles to `shard_anchors` results. Raises what a task raised (the runner fails the phase).
    """
    summary_handles = mr.map(_summary, mapped)
    summaries = [mr.gather(h) for h in summary_handles]
    summary = pa.concat_tables(summaries) if summaries else DOCS.remove(DOCS.get_field_index("text")).empty_table()
    per_lang = Counter(summary.column("lang").to_pylist())
    notes = (
        [f"language {lang!r}: {n} documents without group_id and no other language to pair them with" for lang, n in sorted(per_lang.items())]
        if len(per_lang) == 1
        else []
    )
    for note in notes:
        log.warning("docalign: %s", note)
    buckets = options.buckets or max(1, len(mapped))
    weights = (1.0, options.lexical_weight)
    documents = summary.num_rows
    scored = _round(mr, mapped, summary_handles, None, documents, buckets, weights, sorted(per_lang), options)
    models = learn_length_models(_confident(mr, scored, None, options), options.length_sigma)
    kept = _kept(mr, scored, models, options)
    method = ANCHORS_METHOD
    if options.rescore and kept:
        order = [t.column("shard")[0].as_py() if t.num_rows else "" for t in summaries]
        shards, digests = _columns(summary, {d for s in kept for d in s[1:3]}, ("shard", "digest"))
        lexicon = _bootstrap_lexicon(mr, dict(zip(order, mapped)), [s for s in kept if s[0] >= options.confident_score], shards, digests, options)
        if lexicon.num_rows:
            scored = _round(mr, mapped, summary_handles, mr.scatter(lexicon), documents, buckets, weights, sorted(per_lang), options)
            models = learn_length_models(_confident(mr, scored, models, options), options.length_sigma) or models
            kept = _kept(mr, scored, models, options)
            method = LEXICON_METHOD
    (shards,) = _columns(summary, {d for s in kept for d in s[1:3]}, ("shard",))
    rows = [
        {
            "src_doc_id": src,
            "tgt_doc_id": tgt,
            "src_lang": sl,
            "tgt_lang": tl,
            "score": score,
            "method": method,
            "src_shard": shards[src],
            "tgt_shard": shards[tgt],
        }
        for score, src, tgt, sl, tl in kept
    ]
    paired = Counter(lang for score, src, tgt, sl, tl in kept for lang in (sl, tl))
    partners: dict[str, set[str]] = {}
    for _, src, tgt, _, _ in kept:
        partners.setdefault(src, set()).add(tgt)
        partners.setdefault(tgt, set()).add(src)
    alone = summary.filter(pc.invert(pc.is_in(summary.column("doc_id"), value_set=pa.array(sorted(partners), pa.string()))))
    unpaired = Counter(alone.column("lang").to_pylist())
    meta = {
        "documents": dict(sorted(per_lang.items())),
        "paired_documents": dict(sorted(paired.items())),
        "unpaired": {lang: unpaired.get(lang, 0) for lang in sorted(per_lang)},
        "length_models": {f"{a}-{b}": {"mu": round(m.mu, 6), "sigma": round(m.sigma, 6)} for (a, b), m in sorted(models.items())},
        "method": method,
        "notes": notes,
    }
    return DocumentPairs(to_table("document_pairs", rows), meta)


def _summary(anchors: ShardAnchors) -> pa.Table:
    return anchors.docs.drop_columns(["text"])


def _columns(summary: pa.Table, doc_ids: set[str], names: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    """doc_id -> value of each of the summary columns `names`, for `doc_ids` only (the driver keeps no per-document dicts)."""
    rows = summary.filter(pc.is_in(summary.column("doc_id"), value_set=pa.array(sorted(doc_ids), pa.string())))
    ids = rows.column("doc_id").to_pylist()
    return tuple(dict(zip(ids, rows.column(name).to_pylist())) for name in names)


def _round(
    mr: MapReduce,
    mapped: list[Handle],
    summaries: list[Handle],
    lexicon: Handle | None,
    documents: int,
    buckets: int,
    weights: tuple[float, ...],
    langs: list[str],
    options: DocalignOptions,
) -> dict[Pair, Handle]:
    """One round of candidate generation: split postings by anchor, join each bucket, sum per source partition, score per language pair.

    Returns a handle per language pair to its `Scored` candidates (anchor scores, no lengths) with its
    documents' lengths, each made and kept on a worker: the driver never holds the candidates.
    """
    split = [mr.submit(_split_postings, m, lexicon, buckets, options) for m in mapped]
    joined = [mr.submit(_join, documents, options.max_postings, weights, buckets, *[mr.submit(_item, s, b) for s in split]) for b in range(buckets)]
    parts = [mr.submit(_candidates, options.candidates, *[mr.submit(_part, j, p) for j in joined]) for p in range(buckets)]
    prior = options.prior * math.log(documents + 1)
    pairs = [(a, b) for i, a in enumerate(langs) for b in langs[i + 1 :]]
    return {pair: mr.submit(_score_pair, pair, prior, len(parts), *parts, *summaries) for pair in pairs}


def _score_pair(pair: Pair, prior: float, n_parts: int, *parts_and_summaries: Any) -> tuple[list[Scored], dict[str, int]]:
    """The anchor scores of one language pair's candidates, from every partition's (candidates, norms), and the lengths of its documents."""
    parts, summaries = parts_and_summaries[:n_parts], parts_and_summaries[n_parts:]
    found = pa.concat_tables([c.filter(pc.and_(pc.equal(c.column("src_lang"), pair[0]), pc.equal(c.column("tgt_lang"), pair[1]))) for c, _ in parts])
    docs = pa.concat_arrays([found.column("src_doc_id").combine_chunks(), found.column("tgt_doc_id").combine_chunks()]).unique()
    norms = pa.concat_tables([n.filter(pc.is_in(n.column("doc_id"), value_set=docs)) for _, n in parts])
    lengths = {}
    for summary in summaries:
        rows = summary.filter(pc.is_in(summary.column("doc_id"), value_set=docs))
        lengths.update(zip(rows.column("doc_id").to_pylist(), rows.column("length").to_pylist()))
    return score_candidates(found, norms, prior), lengths


def _confident(mr: MapReduce, scored: dict[Pair, Handle], models: dict[Pair, LengthModel] | None, options: DocalignOptions) -> list[tuple[Pair, int, int]]:
    """(language pair, source length, target length) of the confident pairs of each language pair, assigned on the workers (with `models`' length factors unless None)."""
    handles = [mr.submit(_confident_lengths, scored[pair], models, options) for pair in sorted(scored)]
    return [found for h in handles for found in mr.gather(h)]


def _confident_lengths(
    scored: tuple[list[Scored], dict[str, int]], models: dict[Pair, LengthModel] | None, options: DocalignOptions
) -> list[tuple[Pair, int, int]]:
    candidates, lengths = scored
    if models is not None:
        candidates = with_lengths(candidates, lengths, models, options.length_sigma, options.length_weight)
    return [((s[3], s[4]), lengths[s[1]], lengths[s[2]]) for s in assign(candidates, options.confident_score, options.neighbours)]


def _kept(mr: MapReduce, scored: dict[Pair, Handle], models: dict[Pair, LengthModel], options: DocalignOptions) -> list[Scored]:
    """The pairs kept, language pair by language pair, each assigned one to one on a worker with the length models."""
    handles = [mr.submit(_assign_pair, scored[pair], models, options) for pair in sorted(scored)]
    return [s for h in handles for s in mr.gather(h)]


def _assign_pair(scored: tuple[list[Scored], dict[str, int]], models: dict[Pair, LengthModel], options: DocalignOptions) -> list[Scored]:
    candidates, lengths = scored
    return assign(with_lengths(candidates, lengths, models, options.length_sigma, options.length_weight), options.min_score, options.neighbours)


def _split_postings(anchors: ShardAnchors, lexicon: pa.Table | None, buckets: int, options: DocalignOptions) -> list[pa.Table]:
    """A shard's postings (plus its lexicon anchors when a lexicon is given), cut into buckets by anchor."""
    postings = anchors.postings
    if lexicon is not None:
        postings = pa.concat_tables([postings, _lexical_postings(anchors.docs, lexicon, options)])
    return split_by_key(postings, "anchor", buckets)


def _lexical_postings(docs: pa.Table, lexicon: pa.Table, options: DocalignOptions) -> pa.Table:
    """The `lex:` postings of a shard's documents for every language pair the lexicon covers."""
    rows = list(zip(*(lexicon.column(c).to_pylist() for c in ("src_lang", "tgt_lang", "src", "tgt", "prob"))))
    pairs = sorted({(a, b) if a < b else (b, a) for a, b, *_ in rows})
    tables = {pair: lexicon_anchors(rows, pair, options.lexicon_min_prob, options.lexicon_translations) for pair in pairs}
    postings = []
    for doc_id, lang, source, text in zip(*(docs.column(c).to_pylist() for c in ("doc_id", "lang", "source", "text"))):
        prefix = _prefix(source, options)
        for pair, by_lang in tables.items():
            if lang in pair:
                postings += [{"anchor": prefix + a, "kind": LEXICAL, "doc_id": doc_id, "lang": lang} for a in sorted(lexical_anchors(text, by_lang[lang]))]
    return pa.Table.from_pylist(postings, schema=POSTINGS)


def _item(parts: list, index: int) -> object:
    return parts[index]


def _join(documents: int, max_postings: int, weights: tuple[float, ...], partitions: int, *parts: pa.Table) -> tuple[list[pa.Table], list[pa.Table]]:
    return join_bucket(parts, documents, max_postings, weights, (LEXICAL,), partitions)


def _part(joined: tuple[list[pa.Table], list[pa.Table]], index: int) -> tuple[pa.Table, pa.Table]:
    return joined[0][index], joined[1][index]


def _candidates(keep: int, *parts: tuple[pa.Table, pa.Table]) -> tuple[pa.Table, pa.Table]:
    return candidates([o for o, _ in parts], [n for _, n in parts], keep)


def _bootstrap_lexicon(
    mr: MapReduce, mapped: dict[str, Handle], confident: Sequence[Scored], shards: dict[str, str], digests: dict[str, str], options: DocalignOptions
) -> pa.Table:
    """The IBM-1 lexicon (as a `lexicon` table) learned by the align task's orchestration on the most confident pairs of each language pair.

    A pair whose two texts equal those of a pair already chosen (`digests`: doc_id -> text hash) is left
    out, so copies of a document do not crowd out the variety the lexicon learns from.
    """
    chosen: list[Scored] = []
    by_pair: dict[Pair, list[Scored]] = {}
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
    for _, src, tgt, _, _ in chosen:
        wanted.setdefault(shards[src], set()).add(src)
        wanted.setdefault(shards[tgt], set()).add(tgt)
    order = sorted(wanted)
    index = {name: i for i, name in enumerate(order)}
    lines = [mr.submit(_doc_lines, mapped[name], sorted(wanted[name])) for name in order]
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


def _doc_lines(anchors: ShardAnchors, doc_ids: list[str]) -> dict[str, list[str]]:
    """The non-empty lines of the given documents of a shard (a line break ends a sentence): what the lexicon learns from."""
    wanted = set(doc_ids)
    return {
        d: [line.strip() for line in t.splitlines() if line.strip()]
        for d, t in zip(anchors.docs.column("doc_id").to_pylist(), anchors.docs.column("text").to_pylist())
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
