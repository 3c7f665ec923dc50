"""Sentence alignment of two documents: a banded dynamic program over beads (Moore 2002 style).

A bead's cost adds its prior, a Gale–Church length cost in characters (the ratio is learned from the
documents) and a lexical cost: how much of the bead's words are explained by the other side, through
anchors (numbers, identical names, cognates) and, in the second pass, the corpus lexicon.
The DP runs in a band around the length diagonal and, as Moore (2002) does, widens the band when the
best path comes near its edge (within half its half-width), so its cost grows linearly with
document length while a long run of untranslated sentences (captions, OCR debris) still fits.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import log_ndtr

from tasks.align.lexicon import Lexicon, words
from tasks.align.options import AlignOptions

# Bead priors from Gale & Church (1993), split evenly between the two orientations; 2-2 lowered from
# 0.011 (it over-merged on the dev sets). Beads beyond theirs are ours, falling about tenfold with each
# further sentence (1-3, then 1-4), a bead merged on both sides (2-3) rarer than one merged on one side:
# Text+Berg's hand alignment has 1-4, 2-3 and 3-2 beads (6% of its beads). The values were chosen on
# the dev sets of Text+Berg and TED: at 3 times these, 2-3 beads replace 1-1 + 1-2 beads on TED.
_PRIORS = {
    (1, 1): 0.89, (1, 0): 0.005, (0, 1): 0.005, (2, 1): 0.0445, (1, 2): 0.0445, (2, 2): 0.002,
    (3, 1): 0.005, (1, 3): 0.005, (3, 2): 0.0001, (2, 3): 0.0001, (4, 1): 0.0005, (1, 4): 0.0005,
}  # fmt: skip
_BLOCK = 256  # rows per sparse block product when filling the band
_TIE = 1e-6  # cost per sentence off the length diagonal: of two paths that cost the same, the nearer one wins (a headline-only translation aligns with the headline)
_EDGE_SHARE = 2  # the band widens when the path comes within half-width / _EDGE_SHARE cells of its edge
_ANCHOR_MASS = 1000.0  # translation mass of an anchor: far above any sum of lexicon probabilities


@dataclass(frozen=True)
class Bead:
    """Aligned source and target sentence indices (either may be empty) and a score in (0, 1)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float


def align_sentences(
    src: Sequence[str],
    tgt: Sequence[str],
    src_lang: str,
    tgt_lang: str,
    lexicon: Lexicon | None,
    options: AlignOptions,
) -> list[Bead]:
    """Align two documents given as sentence texts in order; `lexicon` None is the first (anchor) pass."""
    if not src or not tgt:
        return [Bead((i,), (), 0.0) for i in range(len(src))] + [Bead((), (j,), 0.0) for j in range(len(tgt))]
    costs = _BeadCosts(src, tgt, lexicon, options)
    half = options.band
    while True:
        beads, touched = costs.align(half)
        if not touched:
            return beads
        half *= 2


def length_ratio(src_chars: float, tgt_chars: float, corpus: float | None, tolerance: float) -> float:
    """The target/source character ratio the length cost expects for one document pair.

    The pair's own ratio, unless it is more than `tolerance` times off `corpus` (the corpus's ratio, or 1
    when none is known): then the pair is a partial translation (a headline, a lead, an abstract of the
    other) and learns nothing about lengths, so `corpus` is used (Gale & Church 1993 fix the ratio per
    language pair for the same reason).
    """
    expected = corpus or 1.0
    own = max(tgt_chars, 1.0) / max(src_chars, 1.0)
    return own if 1.0 / tolerance <= own / expected <= tolerance else expected


def confident_pairs(src: Sequence[str], tgt: Sequence[str], beads: list[Bead]) -> list[tuple[str, str]]:
    """Sentence pairs of the first pass to train the lexicon on: 1-1 beads whose neighbours are not null."""
    pairs = []
    for k, bead in enumerate(beads):
        if len(bead.src) != 1 or len(bead.tgt) != 1:
            continue
        neighbours = beads[max(0, k - 1) : k] + beads[k + 1 : k + 2]
        if all(n.src and n.tgt for n in neighbours):
            pairs.append((src[bead.src[0]], tgt[bead.tgt[0]]))
    return pairs


class _BeadCosts:
    """Per-document data the DP needs: lengths, bags of words and the lexical evidence between them."""

    def __init__(self, src: Sequence[str], tgt: Sequence[str], lexicon: Lexicon | None, options: AlignOptions):
        self.options = options
        self.types = options.bead_types()
        self.n, self.m = len(src), len(tgt)
        src_len = np.array([len(s.strip()) for s in src], dtype=float)
        tgt_len = np.array([len(t.strip()) for t in tgt], dtype=float)
        self.src_cum = np.concatenate([[0.0], np.cumsum(src_len)])
        self.tgt_cum = np.concatenate([[0.0], np.cumsum(tgt_len)])
        self.ratio = length_ratio(self.src_cum[-1], self.tgt_cum[-1], lexicon.ratio if lexicon is not None else None, options.ratio_tolerance)
        self.lexical = options.lexical_weight > 0
        if self.lexical:
            self._prepare_lexical(src, tgt, lexicon)

    def _prepare_lexical(self, src: Sequence[str], tgt: Sequence[str], lexicon: Lexicon | None) -> None:
        src_words = [words(s) for s in src]
        tgt_words = [words(t) for t in tgt]
        src_vocab = {w: i for i, w in enumerate(sorted({w for ws in src_words for w in ws}))}
        tgt_vocab = {w: i for i, w in enumerate(sorted({w for ws in tgt_words for w in ws}))}
        src_bag = _bags(src_words, src_vocab)  # row e = sentence e-1; row 0 empty
        tgt_bag = _bags(tgt_words, tgt_vocab)
        fwd, bwd = _translation_matrices(src, tgt, src_vocab, tgt_vocab, lexicon, self.options)
        src_idf = _idf(src_bag, self.n)
        tgt_idf = _idf(tgt_bag, self.m)
        self.src_weight = np.cumsum(src_bag @ src_idf)  # idf mass of the first e sentences
        self.tgt_weight = np.cumsum(tgt_bag @ tgt_idf)
        max_src = max(a for a, _ in self.types)
        max_tgt = max(b for _, b in self.types)
        # explained[a][e]: weighted coverage of each target word by the a source sentences ending at e.
        self.tgt_explained = _group_coverage(src_bag @ fwd, max_src, self.options, tgt_idf)
        self.src_explained = _group_coverage(tgt_bag @ bwd, max_tgt, self.options, src_idf)
        self.src_bag, self.tgt_bag = src_bag, tgt_bag

    def align(self, half: int) -> tuple[list[Bead], bool]:
        """The best path inside a band of half-width `half`, and whether it came near the band's edge (then a wider band may hold a better one)."""
        band = _Band(self.src_cum, self.tgt_cum, self.ratio, half)
        bead_costs = self._bead_costs(band)
        total, back = self._dp(band, bead_costs)
        if not np.isfinite(total[self.n, self.m - band.lo[self.n]]):
            return [], True
        beads = []
        touched = False
        margin = max(1, half // _EDGE_SHARE)
        e, f = self.n, self.m
        while e > 0 or f > 0:
            k = f - band.lo[e]
            touched |= band.near_edge(e, k, margin)
            t = back[e, k]
            a, b = self.types[t]
            cost = bead_costs[t][e, k]
            beads.append(Bead(tuple(range(e - a, e)), tuple(range(f - b, f)), 1.0 / (1.0 + math.exp(min(cost, 50.0)))))
            e, f = e - a, f - b
        beads.reverse()
        return beads, touched

    def _bead_costs(self, band: _Band) -> list[np.ndarray]:
        """Cost of every bead type ending at every band cell (inf where the bead does not fit)."""
        opts = self.options
        f = band.columns()
        rows = np.arange(self.n + 1)[:, None]
        if self.lexical:
            tgt_cover = {a: band.dot(self.tgt_explained[a], self.tgt_bag) for a in {a for a, _ in self.types if a}}
            src_cover = {b: band.dot(self.src_bag, self.src_explained[b]) for b in {b for _, b in self.types if b}}
            one = (tgt_cover[1] + src_cover[1]) / np.maximum(
                self.src_weight[rows] - self.src_weight[np.maximum(rows - 1, 0)] + self.tgt_weight[f] - self.tgt_weight[np.maximum(f - 1, 0)],
                1e-9,
            )
            baseline = float(np.median(one[1:, :])) if one.size > one.shape[1] else 0.0
        costs = []
        for a, b in self.types:
            valid = (rows >= a) & (f >= b)
            l1 = self.src_cum[rows] - self.src_cum[np.maximum(rows - a, 0)]
            l2 = self.tgt_cum[f] - self.tgt_cum[np.maximum(f - b, 0)]
            if not (a and b) and opts.null_cost is not None:
                cost = np.full(f.shape, opts.null_cost)
            else:
                cost = -math.log(_PRIORS[(a, b)]) + _length_cost(l1, l2, self.ratio, opts.length_variance)
            if self.lexical and a and b:
                explained = sum(band.shift(tgt_cover[a], 0, t) for t in range(b))
                explained = explained + sum(band.shift(src_cover[b], t, 0) for t in range(a))
                weight = self.src_weight[rows] - self.src_weight[np.maximum(rows - a, 0)] + self.tgt_weight[f] - self.tgt_weight[np.maximum(f - b, 0)]
                cost = cost + opts.lexical_weight * (baseline * weight - explained)
            cost = cost + _TIE * np.abs(f - band.centre[:, None])
            costs.append(np.where(valid, cost, np.inf))
        return costs

    def _dp(self, band: _Band, bead_costs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        width = band.width
        total = np.full((self.n + 1, width), np.inf)
        back = np.zeros((self.n + 1, width), dtype=np.int8)
        skip_t = self.types.index((0, 1))
        columns = np.arange(width)
        for e in range(self.n + 1):
            best = np.full(width, np.inf)
            if e == 0:
                best[0] = 0.0
            choice = np.zeros(width, dtype=np.int8)
            for t, (a, b) in enumerate(self.types):
                if a == 0 or e < a:
                    continue
                idx = columns + band.lo[e] - band.lo[e - a] - b
                ok = (idx >= 0) & (idx < width)
                cand = np.where(ok, total[e - a, np.clip(idx, 0, width - 1)], np.inf) + bead_costs[t][e]
                better = cand < best
                best = np.where(better, cand, best)
                choice = np.where(better, t, choice)
            skip = bead_costs[skip_t][e]
            steps = np.concatenate([[0.0], np.cumsum(np.where(np.isfinite(skip[1:]), skip[1:], 1e18))])
            chained = steps + np.minimum.accumulate(best - steps)
            from_skip = chained < best - 1e-7
            total[e] = np.where(from_skip, chained, best)
            back[e] = np.where(from_skip, skip_t, choice)
        return total, back


class _Band:
    """DP cells (e, f) kept for each source row e: f in [lo[e], lo[e] + width), around the length diagonal."""

    def __init__(self, src_cum: np.ndarray, tgt_cum: np.ndarray, ratio: float, half: int):
        self.n, self.m = len(src_cum) - 1, len(tgt_cum) - 1
        self.width = min(2 * half + 1, self.m + 1)
        self.centre = np.searchsorted(tgt_cum, src_cum * ratio)  # the length diagonal: target position per source row
        self.lo = np.clip(self.centre - half, 0, self.m + 1 - self.width).astype(np.int64)
        self.lo[0], self.lo[-1] = 0, self.m + 1 - self.width  # both corners of the grid are in the band

    def columns(self) -> np.ndarray:
        """The absolute target position f of every band cell, shape (n + 1, width)."""
        return self.lo[:, None] + np.arange(self.width)

    def near_edge(self, e: int, k: int, margin: int) -> bool:
        """Whether band cell (e, k) lies less than `margin` cells from an edge that is not the document's own edge."""
        return (k < margin and self.lo[e] > 0) or (k > self.width - 1 - margin and self.lo[e] + self.width - 1 < self.m)

    def shift(self, values: np.ndarray, de: int, df: int) -> np.ndarray:
        """values at cell (e - de, f - df) for every band cell (e, f); 0 outside the band."""
        rows = np.arange(self.n + 1)
        prev = np.maximum(rows - de, 0)
        idx = np.arange(self.width) + (self.lo - self.lo[prev])[:, None] - df
        ok = (idx >= 0) & (idx < self.width) & (rows >= de)[:, None]
        return np.where(ok, values[prev[:, None], np.clip(idx, 0, self.width - 1)], 0.0)

    def dot(self, rows: sparse.csr_matrix, cols: sparse.csr_matrix) -> np.ndarray:
        """rows[e] . cols[f] for every band cell, computed block by block so only the band is touched."""
        out = np.zeros((self.n + 1, self.width))
        for r0 in range(0, self.n + 1, _BLOCK):
            r1 = min(self.n + 1, r0 + _BLOCK)
            c0, c1 = self.lo[r0], self.lo[r1 - 1] + self.width
            block = (rows[r0:r1] @ cols[c0:c1].T).toarray()
            idx = self.lo[r0:r1, None] - c0 + np.arange(self.width)
            out[r0:r1] = block[np.arange(r1 - r0)[:, None], idx]
        return out


def _bags(sentences: list[list[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    """Word counts per sentence as a sparse matrix with an empty row 0 (row e = sentence e - 1)."""
    indptr = [0, 0]
    indices: list[int] = []
    for ws in sentences:
        indices.extend(vocab[w] for w in ws)
        indptr.append(len(indices))
    data = np.ones(len(indices))
    bag = sparse.csr_matrix((data, indices, indptr), shape=(len(sentences) + 1, max(len(vocab), 1)))
    bag.sum_duplicates()
    return bag


def _idf(bag: sparse.csr_matrix, sentences: int) -> np.ndarray:
    """Inverse document frequency of each word: rare words are stronger evidence than function words."""
    df = np.asarray((bag > 0).sum(axis=0)).ravel()
    return np.log1p(sentences / np.maximum(df, 1))


def _group_coverage(mass: sparse.csr_matrix, max_group: int, options: AlignOptions, idf: np.ndarray) -> dict[int, sparse.csr_matrix]:
    """For groups of 1..max_group sentences ending at each row: how well each word is explained, idf-weighted.

    A word is explained by translation mass (1 at `coverage_at`) plus `anchor_weight` per anchor mass.
    """
    out = {}
    total = mass.tocsr()
    shifted = mass.tocsr()
    for size in range(1, max_group + 1):
        if size > 1:
            shifted = sparse.vstack([sparse.csr_matrix((1, mass.shape[1])), shifted[:-1]]).tocsr()
            total = (total + shifted).tocsr()
        cover = total.copy()
        explained = np.minimum(cover.data / options.coverage_at, 1.0)
        anchored = options.anchor_weight * np.minimum(cover.data / _ANCHOR_MASS, 1.0)
        cover.data = (explained + anchored) * idf[cover.indices]
        out[size] = cover
    return out


def _translation_matrices(
    src: Sequence[str],
    tgt: Sequence[str],
    src_vocab: dict[str, int],
    tgt_vocab: dict[str, int],
    lexicon: Lexicon | None,
    options: AlignOptions,
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """t(tgt|src) shaped (source words, target words) and t(src|tgt) shaped (target words, source words) over the documents' vocabularies: lexicon entries, raised by anchors."""
    shape = (max(len(src_vocab), 1), max(len(tgt_vocab), 1))
    if lexicon is not None and src_vocab and tgt_vocab:
        fwd, bwd = lexicon.block(list(src_vocab), list(tgt_vocab))  # the vocabularies' keys are in id order
    else:
        fwd, bwd = sparse.csr_matrix(shape), sparse.csr_matrix(shape)
    if options.anchors:
        found = _anchors(src, tgt, src_vocab, tgt_vocab, options)
        if found:
            keys = np.array([(src_vocab[s], tgt_vocab[t]) for s, t in found], dtype=np.int64)
            anchored = sparse.csr_matrix((np.fromiter(found.values(), float), (keys[:, 0], keys[:, 1])), shape=shape)
            fwd, bwd = fwd.maximum(anchored).tocsr(), bwd.maximum(anchored).tocsr()
    return fwd, bwd.T.tocsr()


_CAPITALISED = re.compile(r"\b[^\W\d_][\w]*", re.UNICODE)


def _anchors(
    src: Sequence[str], tgt: Sequence[str], src_vocab: dict[str, int], tgt_vocab: dict[str, int], options: AlignOptions
) -> dict[tuple[str, str], float]:
    """Word pairs that translate each other whatever the languages: numbers, shared names, cognates."""
    names = _capitalised(src) & _capitalised(tgt)
    out: dict[tuple[str, str], float] = {}
    for w in src_vocab.keys() & tgt_vocab.keys():
        if any(c.isdigit() for c in w) or w in names or len(w) >= 5:
            out[w, w] = _ANCHOR_MASS
    by_stem: dict[str, list[str]] = {}
    for t in tgt_vocab:
        if len(t) >= 6 and not t.isdigit():
            by_stem.setdefault(_stem(t), []).append(t)
    for s in src_vocab:
        if len(s) >= 6 and not s.isdigit():
            for t in by_stem.get(_stem(s), ()):
                out.setdefault((s, t), _ANCHOR_MASS * options.cognate_share)
    return out


def _capitalised(sentences: Sequence[str]) -> set[str]:
    return {m.group().lower() for s in sentences for m in _CAPITALISED.finditer(s) if m.group()[0].isupper()}


def _stem(word: str) -> str:
    """The first five letters without accents: German and French cognates (Expedition, expédition) share it."""
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return bare[:5]


def _length_cost(l1: np.ndarray, l2: np.ndarray, ratio: float, variance: float) -> np.ndarray:
    """Gale–Church: -log P(|delta|) for character lengths l1, l2 given the expected ratio."""
    mean = np.maximum((l1 + l2 / ratio) / 2.0, 1.0)
    delta = (l2 - ratio * l1) / np.sqrt(variance * mean)
    return -(math.log(2.0) + log_ndtr(-np.abs(delta)))
