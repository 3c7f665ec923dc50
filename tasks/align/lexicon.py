"""A translation lexicon learned from the corpus: IBM Model 1 EM split into map (E-step) and reduce.

The orchestration (tasks/align/corpus.py, `learn_lexicons`) computes `expected_counts` where each part
of the corpus lives, sums them with `merge_counts` and turns the sum into a `Lexicon` with `estimate`,
once per EM iteration (Brown et al. 1993, Model 1). Both directions are trained
together, so the aligner can check that words are explained from either side.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from corpus.schemas import to_table

NULL = ""  # the empty word, IBM-1's NULL source; `words` never yields it
_WORD = re.compile(r"\w+")
MIN_PROB = 0.01  # translation probabilities below this are dropped: they carry no evidence and cost memory

Table = dict[str, dict[str, float]]  # source word -> {target word: value}


def words(text: str) -> list[str]:
    """The lowercase `\\w+` words of `text` (Vietnamese syllables are words): the lexicon's vocabulary."""
    return _WORD.findall(text.lower())


@dataclass
class Counts:
    """Expected co-occurrence counts of one E-step, both directions; summed across shards by `merge_counts`."""

    fwd: Table = field(default_factory=dict)
    bwd: Table = field(default_factory=dict)
    pairs: int = 0


@dataclass(frozen=True)
class Lexicon:
    """Translation probabilities t(tgt | src) in `fwd` and t(src | tgt) in `bwd`, NULL included."""

    fwd: Table
    bwd: Table

    def __len__(self) -> int:
        return sum(map(len, self.fwd.values())) + sum(map(len, self.bwd.values()))


def expected_counts(pairs: Iterable[tuple[str, str]], lexicon: Lexicon | None) -> Counts:
    """One IBM-1 E-step over (source text, target text) pairs; `lexicon` None means uniform probabilities."""
    counts = Counts()
    for src_text, tgt_text in pairs:
        src, tgt = words(src_text), words(tgt_text)
        if not src or not tgt:
            continue
        counts.pairs += 1
        _accumulate(counts.fwd, src, tgt, lexicon.fwd if lexicon else None)
        _accumulate(counts.bwd, tgt, src, lexicon.bwd if lexicon else None)
    return counts


def _accumulate(out: Table, src: list[str], tgt: list[str], probs: Table | None) -> None:
    sources = [NULL, *src]
    for t in tgt:
        if probs is None:
            share = dict.fromkeys(sources, 1.0)
        else:
            share = {s: probs.get(s, {}).get(t, 0.0) for s in sources}
        total = sum(share.values())
        if total <= 0.0:
            share = dict.fromkeys(sources, 1.0)
            total = float(len(sources))
        for s, value in share.items():
            if value:
                row = out.setdefault(s, {})
                row[t] = row.get(t, 0.0) + value / total


def merge_counts(parts: Iterable[Counts]) -> Counts:
    """The sum of E-step counts from several shards (the reduce step)."""
    merged = Counts()
    for part in parts:
        merged.pairs += part.pairs
        for mine, theirs in ((merged.fwd, part.fwd), (merged.bwd, part.bwd)):
            for s, row in theirs.items():
                target = mine.setdefault(s, defaultdict(float))
                for t, value in row.items():
                    target[t] += value
    merged.fwd = {s: dict(row) for s, row in merged.fwd.items()}
    merged.bwd = {s: dict(row) for s, row in merged.bwd.items()}
    return merged


def estimate(counts: Counts) -> Lexicon:
    """The M-step: normalise counts per source word, dropping probabilities below MIN_PROB."""
    return Lexicon(fwd=_normalise(counts.fwd), bwd=_normalise(counts.bwd))


def _normalise(table: Table) -> Table:
    out: Table = {}
    for s, row in table.items():
        total = sum(row.values())
        kept = {t: v / total for t, v in row.items() if v / total >= MIN_PROB}
        if kept:
            out[s] = kept
    return out


def add_dictionary(lexicon: Lexicon | None, entries: Iterable[tuple[str, str]], prob: float = 0.5) -> Lexicon:
    """`lexicon` with user dictionary entries (src, tgt) raised to at least `prob` in both directions."""
    fwd = {s: dict(row) for s, row in lexicon.fwd.items()} if lexicon else {}
    bwd = {s: dict(row) for s, row in lexicon.bwd.items()} if lexicon else {}
    for src_entry, tgt_entry in entries:
        for s in words(src_entry):
            for t in words(tgt_entry):
                fwd.setdefault(s, {})[t] = max(fwd.get(s, {}).get(t, 0.0), prob)
                bwd.setdefault(t, {})[s] = max(bwd.get(t, {}).get(s, 0.0), prob)
    return Lexicon(fwd=fwd, bwd=bwd)


def read_dictionary(path: str) -> list[tuple[str, str]]:
    """Entries of a bilingual dictionary file: one `src<TAB>tgt` per line, `#` comments and blanks skipped."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise ValueError(f"{path}:{number}: expected 'source<TAB>target', got {line!r}")
            entries.append((parts[0], parts[1]))
    return entries


def lexicon_to_table(lexicon: Lexicon, src_lang: str, tgt_lang: str) -> pa.Table:
    """The `lexicon` table: fwd rows as (src_lang, tgt_lang, s, t, p), bwd rows with the languages swapped."""
    rows = [
        {"src_lang": a, "tgt_lang": b, "src": s, "tgt": t, "prob": p}
        for a, b, table in ((src_lang, tgt_lang, lexicon.fwd), (tgt_lang, src_lang, lexicon.bwd))
        for s, row in sorted(table.items())
        for t, p in sorted(row.items())
    ]
    return to_table("lexicon", rows)


def lexicon_from_table(table: pa.Table, src_lang: str, tgt_lang: str) -> Lexicon:
    """The lexicon of one language pair read back from a `lexicon` table (the inverse of lexicon_to_table)."""
    fwd: Table = {}
    bwd: Table = {}
    columns = table.select(["src_lang", "tgt_lang", "src", "tgt", "prob"]).to_pydict()
    for a, b, s, t, p in zip(*columns.values()):
        if (a, b) == (src_lang, tgt_lang):
            fwd.setdefault(s, {})[t] = p
        elif (a, b) == (tgt_lang, src_lang):
            bwd.setdefault(s, {})[t] = p
    return Lexicon(fwd=fwd, bwd=bwd)
