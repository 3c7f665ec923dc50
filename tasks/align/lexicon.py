"""A translation lexicon learned from the corpus: IBM Model 1 EM (Brown et al. 1993) on integer word ids and sparse matrices.

A language pair's words are numbered by a `Vocabulary` (sorted word arrays, one per language); a part
of the corpus (a shard's confident sentence pairs) is `SentencePairs`: runs of word ids. One EM
iteration is a map and a reduce: `expected_counts` (the E-step, vectorized over every sentence pair
of a part) where the part lives, `merge_counts` summing parts pairwise, and `estimate` (the M-step
with pruning) where the sum ends. Counts and probabilities are scipy.sparse CSR matrices whose row 0
is IBM-1's NULL word: `fwd[s + 1, t]` is t(tgt word t | src word s), `bwd[t + 1, s]` the reverse.
Both directions are trained together, so the aligner can check that words are explained from either side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy import sparse

from corpus.schemas import to_table

NULL = ""  # the empty word, IBM-1's NULL source (row 0 of a probability matrix; "" in the lexicon table)
FORMAT = 2  # version of the saved lexicon table: 2 holds pruned IBM-1 probabilities from integer-id EM
_WORD = re.compile(r"\w+")
_CHUNK = 1 << 21  # (source word, target word) combinations per vectorized E-step block: bounds its memory


def words(text: str) -> list[str]:
    """The lowercase `\\w+` words of `text` (Vietnamese syllables are words): the lexicon's vocabulary."""
    return _WORD.findall(text.lower())


def _sorted_words(values: Iterable[str]) -> np.ndarray:
    return np.array(sorted(set(values)), dtype=object)


def _ids(vocabulary: np.ndarray, wanted: Sequence[str] | np.ndarray) -> np.ndarray:
    """The index of each wanted word in a sorted word array, -1 where it is missing."""
    wanted = np.asarray(wanted, dtype=object)
    if not len(vocabulary) or not len(wanted):
        return np.full(len(wanted), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(vocabulary, wanted), len(vocabulary) - 1)
    return np.where(vocabulary[pos] == wanted, pos, -1).astype(np.int64)


@dataclass(frozen=True)
class Vocabulary:
    """The words of one language pair, each side a sorted array of str: a word's id is its index."""

    src: np.ndarray
    tgt: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(source words, target words)."""
        return len(self.src), len(self.tgt)


@dataclass(frozen=True)
class SentencePairs:
    """Sentence pairs as word ids: pair k's source words are `src[src_start[k]:src_start[k + 1]]` (int32 ids), its target words likewise.

    `vocabulary` names the ids: the part's own words after `sentence_pairs`, the corpus's after `relabel`.
    `chars` are the pairs' total (source, target) characters, stripped, as the aligner measures lengths.
    """

    vocabulary: Vocabulary
    src: np.ndarray
    src_start: np.ndarray
    tgt: np.ndarray
    tgt_start: np.ndarray
    chars: tuple[int, int] = (0, 0)

    def __len__(self) -> int:
        return len(self.src_start) - 1


def sentence_pairs(texts: Iterable[tuple[str, str]]) -> SentencePairs:
    """(source text, target text) pairs as word ids into their own vocabulary; pairs with no word on a side are left out."""
    src_words, tgt_words = [], []
    src_chars = tgt_chars = 0
    for src_text, tgt_text in texts:
        src, tgt = words(src_text), words(tgt_text)
        if src and tgt:
            src_words.append(src)
            tgt_words.append(tgt)
            src_chars += len(src_text.strip())
            tgt_chars += len(tgt_text.strip())
    vocabulary = Vocabulary(_sorted_words(w for ws in src_words for w in ws), _sorted_words(w for ws in tgt_words for w in ws))
    src, src_start = _runs(src_words, vocabulary.src)
    tgt, tgt_start = _runs(tgt_words, vocabulary.tgt)
    return SentencePairs(vocabulary, src, src_start, tgt, tgt_start, (src_chars, tgt_chars))


def _runs(sentences: list[list[str]], vocabulary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = [w for ws in sentences for w in ws]
    ids = _ids(vocabulary, flat).astype(np.int32)
    start = np.concatenate([[0], np.cumsum([len(ws) for ws in sentences], dtype=np.int64)]).astype(np.int64)
    return ids, start


def merge_vocabularies(a: Vocabulary, b: Vocabulary) -> Vocabulary:
    """The union of two vocabularies (the reduce that numbers the corpus's words)."""
    return Vocabulary(np.union1d(a.src, b.src).astype(object), np.union1d(a.tgt, b.tgt).astype(object))


def relabel(part: SentencePairs, vocabulary: Vocabulary) -> SentencePairs:
    """`part` with its word ids moved into `vocabulary`, which holds every word of the part."""
    src_map = _ids(vocabulary.src, part.vocabulary.src)
    tgt_map = _ids(vocabulary.tgt, part.vocabulary.tgt)
    if (src_map < 0).any() or (tgt_map < 0).any():
        raise ValueError("the vocabulary lacks words of the part it relabels")
    return SentencePairs(vocabulary, src_map[part.src].astype(np.int32), part.src_start, tgt_map[part.tgt].astype(np.int32), part.tgt_start, part.chars)


@dataclass(frozen=True)
class Counts:
    """Expected co-occurrence counts of one E-step over `pairs` sentence pairs of `chars` (source, target) characters: fwd (source words + NULL) x target words, bwd the reverse."""

    fwd: sparse.csr_matrix
    bwd: sparse.csr_matrix
    pairs: int
    chars: tuple[int, int] = (0, 0)


class Lexicon:
    """Translation probabilities of one language pair, NULL included: `fwd[s + 1, t]` = t(tgt_words[t] | src_words[s]), row 0 the NULL word; `bwd` the reverse.

    `src_words` and `tgt_words` are sorted arrays of str; `fwd` has shape (len(src_words) + 1, len(tgt_words)),
    `bwd` (len(tgt_words) + 1, len(src_words)), both CSR with sorted indices. `ratio` is the corpus's
    target/source character ratio over the pairs it was learned from (None when unknown): the length
    model's expectation for a document pair whose own lengths differ too much to learn one from.
    """

    def __init__(self, src_words: np.ndarray, tgt_words: np.ndarray, fwd: sparse.csr_matrix, bwd: sparse.csr_matrix, ratio: float | None = None) -> None:
        self.src_words, self.tgt_words, self.fwd, self.bwd, self.ratio = src_words, tgt_words, fwd, bwd, ratio

    def __len__(self) -> int:
        return int(self.fwd.nnz + self.bwd.nnz)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lexicon):
            return NotImplemented
        return (
            self.ratio == other.ratio
            and np.array_equal(self.src_words, other.src_words)
            and np.array_equal(self.tgt_words, other.tgt_words)
            and all(_same(a, b) for a, b in ((self.fwd, other.fwd), (self.bwd, other.bwd)))
        )

    def translations(self, word: str, reverse: bool = False) -> dict[str, float]:
        """t(x | word) for every x it keeps: target words of a source `word`, or with `reverse` source words of a target `word` ("" is NULL)."""
        vocabulary, matrix, other = (self.tgt_words, self.bwd, self.src_words) if reverse else (self.src_words, self.fwd, self.tgt_words)
        row = 0 if word == NULL else int(_ids(vocabulary, [word])[0]) + 1
        if row == 0 and word != NULL:
            return {}
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        return {str(other[j]): float(p) for j, p in zip(matrix.indices[lo:hi], matrix.data[lo:hi])}

    def block(self, src: Sequence[str], tgt: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """t(tgt | src) and t(src | tgt) for the words `src` x `tgt` of one document pair, both shaped (len(src), len(tgt)); 0 for unknown words."""
        si, ti = _ids(self.src_words, src), _ids(self.tgt_words, tgt)
        fwd = _submatrix(self.fwd, si, ti)
        bwd = _submatrix(self.bwd, ti, si).T.tocsr()
        return fwd, bwd


def _same(a: sparse.csr_matrix, b: sparse.csr_matrix) -> bool:
    return a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data)


def _submatrix(matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> sparse.csr_matrix:
    """matrix[rows + 1][:, cols] (row 0 is NULL), with zero rows and columns where an id is -1."""
    shape = (len(rows), len(cols))
    known_r, known_c = np.flatnonzero(rows >= 0), np.flatnonzero(cols >= 0)
    if not len(known_r) or not len(known_c):
        return sparse.csr_matrix(shape)
    sub = matrix[rows[known_r] + 1][:, cols[known_c]].tocoo()
    return sparse.csr_matrix((sub.data, (known_r[sub.row], known_c[sub.col])), shape=shape)


def expected_counts(part: SentencePairs, lexicon: Lexicon | None) -> Counts:
    """One IBM-1 E-step over a part's sentence pairs (ids in the lexicon's vocabulary); `lexicon` None means uniform probabilities.

    For each target word t of a pair and each source word s of it (NULL included), the count of (s, t)
    grows by t(t | s) / sum over the pair's source words s' of t(t | s'); a target word no source word
    translates shares its count evenly.
    """
    n_src, n_tgt = part.vocabulary.shape
    fwd = _e_step(part.src, part.src_start, part.tgt, part.tgt_start, (n_src + 1, n_tgt), lexicon.fwd if lexicon else None)
    bwd = _e_step(part.tgt, part.tgt_start, part.src, part.src_start, (n_tgt + 1, n_src), lexicon.bwd if lexicon else None)
    return Counts(fwd, bwd, len(part), part.chars)


def _e_step(
    src: np.ndarray, src_start: np.ndarray, tgt: np.ndarray, tgt_start: np.ndarray, shape: tuple[int, int], probs: sparse.csr_matrix | None
) -> sparse.csr_matrix:
    src_len = np.diff(src_start) + 1  # the NULL word included
    tgt_len = np.diff(tgt_start)
    combos = src_len * tgt_len
    keys = _keys(probs) if probs is not None else None
    total = sparse.csr_matrix(shape)
    k0 = 0
    while k0 < len(combos):
        k1 = k0 + max(1, int(np.searchsorted(np.cumsum(combos[k0:]), _CHUNK, side="right")))
        sizes = combos[k0:k1]
        pair = np.repeat(np.arange(k0, k1), sizes)
        within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        i, j = within // tgt_len[pair], within % tgt_len[pair]
        s = np.where(i > 0, src[np.maximum(src_start[pair] + i - 1, 0)] + 1, 0)  # row 0: NULL
        token = tgt_start[pair] + j
        t = tgt[token]
        token = token - tgt_start[k0]
        if keys is None:
            p = np.ones(len(s))
        else:
            p = _lookup(keys, probs.data, s.astype(np.int64) * shape[1] + t)
        norm = np.bincount(token, weights=p, minlength=int(tgt_start[k1] - tgt_start[k0]))[token]
        share = np.where(norm > 0, p / np.where(norm > 0, norm, 1.0), 1.0 / src_len[pair])
        total = total + sparse.csr_matrix((share, (s, t)), shape=shape)
        k0 = k1
    total.sum_duplicates()
    return total


def _keys(matrix: sparse.csr_matrix) -> np.ndarray:
    """row * columns + column of every stored entry, ascending (CSR with sorted indices)."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return rows * matrix.shape[1] + matrix.indices


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    if not len(keys):
        return np.zeros(len(wanted))
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[pos] == wanted, values[pos], 0.0)


def merge_counts(a: Counts, b: Counts) -> Counts:
    """The sum of two parts' E-step counts (the reduce)."""
    return Counts((a.fwd + b.fwd).tocsr(), (a.bwd + b.bwd).tocsr(), a.pairs + b.pairs, (a.chars[0] + b.chars[0], a.chars[1] + b.chars[1]))


def estimate(counts: Counts, vocabulary: Vocabulary, min_count: float, top_k: int, min_prob: float) -> Lexicon:
    """The M-step: counts normalised per source word (NULL included), then pruned.

    An entry is kept when its expected count is at least `min_count`, its probability at least
    `min_prob`, and it is among its word's `top_k` most probable translations (ties by word id).
    Kept probabilities are not renormalised, so a word's row may sum to less than 1. The lexicon's
    `ratio` is the counted pairs' target/source character ratio.
    """
    fwd = _normalise(counts.fwd, min_count, top_k, min_prob)
    bwd = _normalise(counts.bwd, min_count, top_k, min_prob)
    ratio = counts.chars[1] / counts.chars[0] if counts.chars[0] and counts.chars[1] else None
    return Lexicon(vocabulary.src, vocabulary.tgt, fwd, bwd, ratio)


def _normalise(counts: sparse.csr_matrix, min_count: float, top_k: int, min_prob: float) -> sparse.csr_matrix:
    c = counts.tocsr()
    c.sum_duplicates()
    rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
    totals = np.asarray(c.sum(axis=1)).ravel()
    prob = c.data / np.where(totals > 0, totals, 1.0)[rows]
    order = np.lexsort((c.indices, -prob, rows))  # by row, then most probable first, then word id
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - c.indptr[rows[order]]
    keep = (c.data >= min_count) & (prob >= min_prob) & (rank < top_k)
    kept = prob[keep].astype(np.float32).astype(np.float64)  # the lexicon table's precision: a saved lexicon aligns as the learned one did
    out = sparse.csr_matrix((kept, (rows[keep], c.indices[keep])), shape=c.shape)
    out.sort_indices()
    return out


def _from_entries(fwd: list[tuple[str, str, float]], bwd: list[tuple[str, str, float]], ratio: float | None) -> Lexicon:
    """A lexicon from (src, tgt, p) and (tgt, src, p) entries ("" is NULL); its vocabularies are the words the entries name."""
    src_words = _sorted_words([s for s, _, _ in fwd if s != NULL] + [s for _, s, _ in bwd])
    tgt_words = _sorted_words([t for _, t, _ in fwd] + [t for t, _, _ in bwd if t != NULL])

    def matrix(entries: list[tuple[str, str, float]], row_words: np.ndarray, col_words: np.ndarray) -> sparse.csr_matrix:
        shape = (len(row_words) + 1, len(col_words))
        if not entries:
            return sparse.csr_matrix(shape)
        a, b, p = zip(*entries)
        rows = np.where(np.array(a, dtype=object) == NULL, 0, _ids(row_words, list(a)) + 1)
        out = sparse.coo_matrix((np.array(p, dtype=float), (rows, _ids(col_words, list(b)))), shape=shape).tocsr()
        out.sum_duplicates()
        return out

    return Lexicon(src_words, tgt_words, matrix(fwd, src_words, tgt_words), matrix(bwd, tgt_words, src_words), ratio)


def _entries(matrix: sparse.csr_matrix, row_words: np.ndarray, col_words: np.ndarray) -> list[tuple[str, str, float]]:
    coo = matrix.tocoo()
    names = np.concatenate([np.array([NULL], dtype=object), row_words])
    return [(str(names[r]), str(col_words[c]), float(p)) for r, c, p in zip(coo.row, coo.col, coo.data)]


def add_dictionary(lexicon: Lexicon | None, entries: Iterable[tuple[str, str]], prob: float = 0.5) -> Lexicon:
    """`lexicon` with user dictionary entries (src, tgt) raised to at least `prob` in both directions."""
    fwd: dict[tuple[str, str], float] = {}
    bwd: dict[tuple[str, str], float] = {}
    if lexicon is not None:
        fwd = {(s, t): p for s, t, p in _entries(lexicon.fwd, lexicon.src_words, lexicon.tgt_words)}
        bwd = {(t, s): p for t, s, p in _entries(lexicon.bwd, lexicon.tgt_words, lexicon.src_words)}
    for src_entry, tgt_entry in entries:
        for s in words(src_entry):
            for t in words(tgt_entry):
                fwd[s, t] = max(fwd.get((s, t), 0.0), prob)
                bwd[t, s] = max(bwd.get((t, s), 0.0), prob)
    return _from_entries([(s, t, p) for (s, t), p in fwd.items()], [(t, s, p) for (t, s), p in bwd.items()], lexicon.ratio if lexicon else None)


def lexicon_to_table(lexicon: Lexicon, src_lang: str, tgt_lang: str) -> pa.Table:
    """The `lexicon` table: fwd rows as (src_lang, tgt_lang, s, t, p), bwd rows with the languages swapped; NULL is ""."""
    rows = [
        {"src_lang": a, "tgt_lang": b, "src": s, "tgt": t, "prob": p}
        for a, b, entries in (
            (src_lang, tgt_lang, _entries(lexicon.fwd, lexicon.src_words, lexicon.tgt_words)),
            (tgt_lang, src_lang, _entries(lexicon.bwd, lexicon.tgt_words, lexicon.src_words)),
        )
        for s, t, p in entries
    ]
    return to_table("lexicon", rows)


def lexicon_from_table(table: pa.Table, src_lang: str, tgt_lang: str, ratio: float | None = None) -> Lexicon:
    """The lexicon of one language pair read back from a `lexicon` table (the inverse of lexicon_to_table), with its length `ratio`, which the table does not hold."""
    fwd, bwd = [], []
    columns = table.select(["src_lang", "tgt_lang", "src", "tgt", "prob"]).to_pydict()
    for a, b, s, t, p in zip(*columns.values()):
        if (a, b) == (src_lang, tgt_lang):
            fwd.append((s, t, p))
        elif (a, b) == (tgt_lang, src_lang):
            bwd.append((s, t, p))
    return _from_entries(fwd, bwd, ratio)
