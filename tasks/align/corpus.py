"""The align task on one shard: pair up the translations of each group and align their sentences.

Three pure steps a runner strings together: `first_pass` (confident sentence pairs per language
pair, to learn the corpus lexicon from), `shard_counts` (one EM E-step over them) and
`align_shard` (the second pass with the lexicon, written to `alignments/` before the manifest).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Iterable

import pyarrow as pa

from corpus.manifest import read_manifest, write_manifest
from corpus.schemas import to_table
from corpus.storage import Location
from tasks.align.aligner import AlignOptions, align_sentences, confident_pairs
from tasks.align.lexicon import (
    Counts,
    Lexicon,
    add_dictionary,
    estimate,
    expected_counts,
    lexicon_from_table,
    lexicon_to_table,
    merge_counts,
    read_dictionary,
)
from tasks.shard import ShardJob, read_shard

Pair = tuple[str, str]  # (source language, target language)
METHOD = "moore-ibm1"
LEXICON_DIR, LEXICON_FILE, LEXICON_META = "lexicon", "part-00000.parquet", "_lexicon.json"


class DocPair:
    """Two translations of one group, as sentence texts in order."""

    def __init__(self, group_id: str, src_doc: str, tgt_doc: str, src: list[str], tgt: list[str]) -> None:
        self.group_id, self.src_doc, self.tgt_doc, self.src, self.tgt = group_id, src_doc, tgt_doc, src, tgt


def language_pairs(langs: Iterable[str], options: AlignOptions) -> list[Pair]:
    """The oriented language pairs to align among `langs`: the configured ones, or every pair in code order."""
    present = set(langs)
    if options.pairs:
        wanted = [tuple(p.split("-", 1)) for p in options.pairs]
        return [(a, b) for a, b in wanted if a in present and b in present]
    return list(itertools.combinations(sorted(present), 2))


def document_pairs(job: ShardJob) -> dict[Pair, list[DocPair]]:
    """Every pair of translations in the shard, grouped by language pair, with their sentences from `sentences/`."""
    docs = read_shard(job).select(["doc_id", "group_id", "lang"]).to_pylist()
    out = Location(job.out_url)
    sentences: dict[str, list[str]] = defaultdict(list)
    if out.exists("sentences", job.shard):
        table = out.read_table("sentences", job.shard, columns=["doc_id", "sent_idx", "text"]).sort_by([("doc_id", "ascending"), ("sent_idx", "ascending")])
        for doc_id, text in zip(table.column("doc_id").to_pylist(), table.column("text").to_pylist()):
            sentences[doc_id].append(text)
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for doc in docs:
        if doc["group_id"] is not None:
            groups[doc["group_id"]][doc["lang"]].append(doc["doc_id"])
    pairs: dict[Pair, list[DocPair]] = defaultdict(list)
    for group_id, by_lang in sorted(groups.items()):
        for src_lang, tgt_lang in language_pairs(by_lang, job.align_options):
            for src_doc in by_lang[src_lang]:
                for tgt_doc in by_lang[tgt_lang]:
                    pairs[(src_lang, tgt_lang)].append(DocPair(group_id, src_doc, tgt_doc, sentences[src_doc], sentences[tgt_doc]))
    return pairs


def first_pass(job: ShardJob) -> dict[Pair, list[tuple[str, str]]]:
    """Confident 1-1 sentence pairs of the shard per language pair, from an alignment on lengths, anchors and the user's dictionary."""
    options = job.align_options
    seed = add_dictionary(None, read_dictionary(options.dictionary)) if options.dictionary else None
    result: dict[Pair, list[tuple[str, str]]] = {}
    for (src_lang, tgt_lang), docs in document_pairs(job).items():
        found = []
        for doc in docs:
            beads = align_sentences(doc.src, doc.tgt, src_lang, tgt_lang, seed, options)
            found.extend(confident_pairs(doc.src, doc.tgt, beads))
        result[(src_lang, tgt_lang)] = found
    return result


def shard_counts(pairs: dict[Pair, list[tuple[str, str]]], lexicons: dict[Pair, Lexicon]) -> dict[Pair, Counts]:
    """One EM E-step over a shard's confident pairs (the map of the corpus lexicon)."""
    return {pair: expected_counts(texts, lexicons.get(pair)) for pair, texts in pairs.items()}


def merge_shard_counts(a: dict[Pair, Counts], b: dict[Pair, Counts]) -> dict[Pair, Counts]:
    """Sum two shards' counts, language pair by language pair (the reduce)."""
    return {pair: merge_counts([c for c in (a.get(pair), b.get(pair)) if c is not None]) for pair in a.keys() | b.keys()}


def estimate_all(counts: dict[Pair, Counts]) -> dict[Pair, Lexicon]:
    """The M-step: a lexicon per language pair from the summed counts."""
    return {pair: estimate(c) for pair, c in counts.items() if c.pairs}


def with_dictionary(lexicons: dict[Pair, Lexicon], options: AlignOptions) -> dict[Pair, Lexicon]:
    """Each learned lexicon with the user's bilingual dictionary entries added, when one is configured."""
    if not options.dictionary:
        return lexicons
    entries = read_dictionary(options.dictionary)
    return {pair: add_dictionary(lexicon, entries) for pair, lexicon in lexicons.items()}


def lexicons_to_table(lexicons: dict[Pair, Lexicon]) -> pa.Table:
    """All language pairs' lexicons as one `lexicon` table, saved under OUT so later runs reuse it."""
    tables = [lexicon_to_table(lexicon, a, b) for (a, b), lexicon in sorted(lexicons.items())]
    return pa.concat_tables(tables) if tables else to_table("lexicon", [])


def lexicons_from_table(table: pa.Table, pairs: list[str]) -> dict[Pair, Lexicon]:
    """The lexicons of `pairs` ("fr-vi", ...) read back from a saved `lexicon` table."""
    oriented = [tuple(p.split("-", 1)) for p in pairs]
    return {(a, b): lexicon_from_table(table, a, b) for a, b in oriented}


def align_shard(job: ShardJob, lexicons: dict[Pair, Lexicon]) -> dict:
    """Second pass with the corpus lexicon: write the shard's `alignments`, then its manifest (align added)."""
    started = time.perf_counter()
    rows = []
    for (src_lang, tgt_lang), docs in sorted(document_pairs(job).items()):
        for doc in docs:
            for bead in align_sentences(doc.src, doc.tgt, src_lang, tgt_lang, lexicons.get((src_lang, tgt_lang)), job.align_options):
                rows.append(
                    {
                        "group_id": doc.group_id,
                        "src_doc_id": doc.src_doc,
                        "tgt_doc_id": doc.tgt_doc,
                        "src_lang": src_lang,
                        "tgt_lang": tgt_lang,
                        "src_sents": list(bead.src),
                        "tgt_sents": list(bead.tgt),
                        "score": bead.score,
                        "method": METHOD,
                    }
                )
    out = Location(job.out_url)
    out.write_table("alignments", to_table("alignments", rows), "alignments", job.shard)
    manifest = read_manifest(out, job.shard) or {"shard": job.shard}
    manifest.update(status="done", tasks=sorted(set(manifest.get("tasks", ())) | {"align"}), config_hash=job.config_hash)
    manifest.setdefault("rows", {})["alignments"] = len(rows)
    manifest.setdefault("timings", {})["align"] = round(time.perf_counter() - started, 4)
    write_manifest(out, job.shard, manifest)
    return manifest
