"""Sentence alignment over a corpus (Moore 2002): the one orchestration that `run`, `align-files` and the benchmarks share.

1. `first_pass`: per part of the corpus (a shard, or the file pairs of one align-files call), align each
   document pair on lengths, anchors and the user's dictionary and keep the confident 1-1 sentence pairs.
2. `learn_lexicons`: IBM Model 1 EM over all parts' confident pairs as word ids: a map (`shard_counts`,
   the E-step, where each part's pairs live), a pairwise reduce (`merge_shard_counts`) and the M-step
   with pruning (`estimate_all`) where the reduce ends; then the user's dictionary is added.
3. `alignment_rows`: the second pass, every document pair aligned with its language pair's lexicon.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from corpus.schemas import to_table
from tasks.align.aligner import Bead, align_sentences, confident_pairs
from tasks.align.lexicon import (
    Counts,
    Lexicon,
    SentencePairs,
    Vocabulary,
    add_dictionary,
    estimate,
    expected_counts,
    lexicon_from_table,
    lexicon_to_table,
    merge_counts,
    merge_vocabularies,
    relabel,
    sentence_pairs,
)
from tasks.align.options import AlignOptions, read_dictionary
from tasks.base import Handle, MapReduce

Pair = tuple[str, str]  # (source language, target language)
METHOD = "moore-ibm1"


@dataclass(frozen=True)
class DocPair:
    """Two translations as sentence texts in order; `group_id` and doc ids name them in the alignments table."""

    group_id: str | None
    src_doc: str
    tgt_doc: str
    src: list[str]
    tgt: list[str]


def language_pairs(langs: Iterable[str], options: AlignOptions) -> list[Pair]:
    """The oriented language pairs to align among `langs`: the configured ones, or every pair in code order."""
    present = set(langs)
    if options.pairs:
        wanted = [tuple(p.split("-", 1)) for p in options.pairs]
        return [(a, b) for a, b in wanted if a in present and b in present]
    return list(itertools.combinations(sorted(present), 2))


def group_pairs(documents: list[dict], sentences: pa.Table, options: AlignOptions, found: pa.Table | None = None) -> dict[Pair, list[DocPair]]:
    """Every pair of translations among `documents` (documents-table rows), by language pair: groups in order, then found pairs.

    `sentences` holds their rows of the sentences table (doc_id, sent_idx, text), and those of the
    partners in `found`; `found` holds document_pairs rows (the `docalign` task's pairs whose source
    document is among `documents`), aligned as if each pair were a group without id. Other documents
    without a group_id are aligned with nothing.
    """
    by_doc: dict[str, list[str]] = defaultdict(list)
    ordered = sentences.select(["doc_id", "sent_idx", "text"]).sort_by([("doc_id", "ascending"), ("sent_idx", "ascending")])
    for doc_id, text in zip(ordered.column("doc_id").to_pylist(), ordered.column("text").to_pylist()):
        by_doc[doc_id].append(text)
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for doc in documents:
        if doc["group_id"] is not None:
            groups[doc["group_id"]][doc["lang"]].append(doc["doc_id"])
    pairs: dict[Pair, list[DocPair]] = defaultdict(list)
    for group_id, by_lang in sorted(groups.items()):
        for src_lang, tgt_lang in language_pairs(by_lang, options):
            for src_doc in by_lang[src_lang]:
                for tgt_doc in by_lang[tgt_lang]:
                    pairs[(src_lang, tgt_lang)].append(DocPair(group_id, src_doc, tgt_doc, by_doc[src_doc], by_doc[tgt_doc]))
    rows = found.select(["src_doc_id", "tgt_doc_id", "src_lang", "tgt_lang"]).sort_by("src_doc_id").to_pylist() if found is not None else []
    for row in rows:
        src, tgt, src_lang, tgt_lang = row["src_doc_id"], row["tgt_doc_id"], row["src_lang"], row["tgt_lang"]
        oriented = language_pairs((src_lang, tgt_lang), options)
        if (tgt_lang, src_lang) in oriented:
            src, tgt, src_lang, tgt_lang = tgt, src, tgt_lang, src_lang
        elif (src_lang, tgt_lang) not in oriented:
            continue
        if by_doc[src] and by_doc[tgt]:
            pairs[(src_lang, tgt_lang)].append(DocPair(None, src, tgt, by_doc[src], by_doc[tgt]))
    return pairs


def first_pass(pairs: dict[Pair, list[DocPair]], options: AlignOptions) -> dict[Pair, SentencePairs]:
    """Confident 1-1 sentence pairs per language pair, from an alignment on lengths, anchors and the user's dictionary, as word ids."""
    seed = add_dictionary(None, read_dictionary(options.dictionary)) if options.dictionary else None
    result: dict[Pair, SentencePairs] = {}
    for (src_lang, tgt_lang), docs in pairs.items():
        found = []
        for doc in docs:
            beads = align_sentences(doc.src, doc.tgt, src_lang, tgt_lang, seed, options)
            found.extend(confident_pairs(doc.src, doc.tgt, beads))
        result[(src_lang, tgt_lang)] = sentence_pairs(found)
    return result


def part_vocabularies(part: dict[Pair, SentencePairs]) -> dict[Pair, Vocabulary]:
    """The words of a part's confident pairs, per language pair (the map that numbers the corpus's words)."""
    return {pair: pairs.vocabulary for pair, pairs in part.items()}


def merge_part_vocabularies(a: dict[Pair, Vocabulary], b: dict[Pair, Vocabulary]) -> dict[Pair, Vocabulary]:
    """The union of two parts' vocabularies, language pair by language pair (the reduce)."""
    return {pair: merge_vocabularies(a[pair], b[pair]) if pair in a and pair in b else a.get(pair) or b[pair] for pair in sorted(a.keys() | b.keys())}


def relabel_part(part: dict[Pair, SentencePairs], vocabularies: dict[Pair, Vocabulary]) -> dict[Pair, SentencePairs]:
    """A part's sentence pairs with word ids of the corpus vocabulary of their language pair."""
    return {pair: relabel(pairs, vocabularies[pair]) for pair, pairs in part.items()}


def shard_counts(part: dict[Pair, SentencePairs], lexicons: dict[Pair, Lexicon] | None) -> dict[Pair, Counts]:
    """One EM E-step over a part's sentence pairs (the map of the corpus lexicon); `lexicons` None is the uniform start."""
    return {pair: expected_counts(pairs, (lexicons or {}).get(pair)) for pair, pairs in part.items()}


def merge_shard_counts(a: dict[Pair, Counts], b: dict[Pair, Counts]) -> dict[Pair, Counts]:
    """Sum two parts' counts, language pair by language pair (the reduce)."""
    return {pair: merge_counts(a[pair], b[pair]) if pair in a and pair in b else a.get(pair) or b[pair] for pair in sorted(a.keys() | b.keys())}


def estimate_all(counts: dict[Pair, Counts], vocabularies: dict[Pair, Vocabulary], options: AlignOptions) -> dict[Pair, Lexicon]:
    """The M-step with the configured pruning: a lexicon per language pair (pairs without sentence pairs get none)."""
    return {
        pair: estimate(c, vocabularies[pair], options.lexicon_min_count, options.lexicon_top_k, options.lexicon_min_prob)
        for pair, c in counts.items()
        if c.pairs
    }


def vocabulary_sizes(vocabularies: dict[Pair, Vocabulary]) -> dict[Pair, tuple[int, int]]:
    """(source words, target words) per language pair: a few numbers the client waits on instead of the vocabularies."""
    return {pair: v.shape for pair, v in vocabularies.items()}


def lexicon_sizes(lexicons: dict[Pair, Lexicon]) -> dict[Pair, int]:
    """Entries per language pair's lexicon: a few numbers the client waits on instead of the lexicons."""
    return {pair: len(lexicon) for pair, lexicon in lexicons.items()}


def with_dictionary(lexicons: dict[Pair, Lexicon], pairs: Iterable[Pair], options: AlignOptions) -> dict[Pair, Lexicon]:
    """The lexicon of each of `pairs` with the user's bilingual dictionary entries added, when one is configured."""
    if not options.dictionary:
        return lexicons
    entries = read_dictionary(options.dictionary)
    return {pair: add_dictionary(lexicons.get(pair), entries) for pair in sorted(set(pairs) | lexicons.keys())}


def learn_lexicons(mr: MapReduce, confident: list[Handle], options: AlignOptions) -> dict[Pair, Lexicon]:
    """The corpus lexicon of every language pair: `options.em_iterations` IBM Model 1 EM iterations over every part's confident pairs.

    `confident` are handles to `first_pass` results. The parts' vocabularies are merged pairwise into
    the corpus's word ids and each part is relabelled where it lives; each EM iteration maps the E-step
    over the parts, sums the counts pairwise and runs the M-step where the sum ends (Moore 2002,
    section 3; Brown et al. 1993, Model 1). The client only waits on sizes and gathers the final,
    pruned lexicons. `mr.progress` hears of the first pass and each EM iteration.
    """
    steps = options.em_iterations + 1
    mr.progress("first pass", 0, steps)
    vocabularies = mr.reduce(merge_part_vocabularies, mr.map(part_vocabularies, confident))
    if vocabularies is None:
        return with_dictionary({}, (), options)
    seen = mr.gather(mr.submit(vocabulary_sizes, vocabularies)).keys()
    parts = mr.map(relabel_part, confident, vocabularies)
    lexicons = None
    for i in range(options.em_iterations):
        mr.progress(f"EM iteration {i + 1} of {options.em_iterations}", i + 1, steps)
        total = mr.reduce(merge_shard_counts, mr.map(shard_counts, parts, lexicons))
        lexicons = mr.submit(estimate_all, total, vocabularies, options)
        mr.gather(mr.submit(lexicon_sizes, lexicons))
    mr.progress("done", steps, steps)
    return with_dictionary(mr.gather(lexicons) if lexicons is not None else {}, seen, options)


def align_pairs(pairs: dict[Pair, list[DocPair]], lexicons: dict[Pair, Lexicon], options: AlignOptions) -> list[tuple[Pair, DocPair, list[Bead]]]:
    """The second pass: every document pair aligned with its language pair's lexicon, in language-pair order."""
    return [
        ((src_lang, tgt_lang), doc, align_sentences(doc.src, doc.tgt, src_lang, tgt_lang, lexicons.get((src_lang, tgt_lang)), options))
        for (src_lang, tgt_lang), docs in sorted(pairs.items())
        for doc in docs
    ]


def alignment_rows(pairs: dict[Pair, list[DocPair]], lexicons: dict[Pair, Lexicon], options: AlignOptions) -> list[dict]:
    """`alignments` rows of the second pass: one per bead."""
    return [
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
        for (src_lang, tgt_lang), doc, beads in align_pairs(pairs, lexicons, options)
        for bead in beads
    ]


def lexicons_to_table(lexicons: dict[Pair, Lexicon]) -> tuple[pa.Table, dict]:
    """All language pairs' lexicons as one `lexicon` table, and the meta that reads it back (the oriented pairs and their length ratios)."""
    tables = [lexicon_to_table(lexicon, a, b) for (a, b), lexicon in sorted(lexicons.items())]
    table = pa.concat_tables(tables) if tables else to_table("lexicon", [])
    return table, {"pairs": sorted("-".join(p) for p in lexicons), "ratios": {"-".join(p): lexicon.ratio for p, lexicon in sorted(lexicons.items())}}


def lexicons_from_table(table: pa.Table, meta: dict) -> dict[Pair, Lexicon]:
    """The lexicons saved by `lexicons_to_table`, for the oriented pairs its meta names ("fr-vi", ...)."""
    ratios = meta.get("ratios", {})
    return {(a, b): lexicon_from_table(table, a, b, ratios.get(f"{a}-{b}")) for a, b in (p.split("-", 1) for p in meta["pairs"])}
