"""Scores of candidate document pairs: idf-weighted anchor overlap, lexicon word-pair overlap and a learned length ratio.

score = overlap / sqrt((norm_src + P) * (norm_tgt + P)) * exp(-length_weight * z^2 / 2), in 0..1, where overlap is
the summed weight of the anchors both documents hold (lexicon words scaled by `lexical_weight`), a
document's norm is the weight of all its anchors found in another language (lexicon words: in the
scored one), a weighted Ochiai coefficient smoothed by P, the weight of `prior` anchors found in one document each, and z = (log(len_tgt / len_src) - mu) / sigma with mu and sigma of the language
pair learned from its confident pairs (Gale and Church 1993 model lengths the same way for sentences).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from tasks.docalign.join import ANY, OVERLAPS, norm_of

Pair = tuple[str, str]
Scored = tuple[float, str, str, str, str]  # (score, src_doc_id, tgt_doc_id, src_lang, tgt_lang)
MIN_LEARNED = 5  # confident pairs a language pair needs before its length model is learned


@dataclass(frozen=True)
class LengthModel:
    """log(target characters / source characters) of a language pair's translations: mean and standard deviation."""

    mu: float
    sigma: float

    def factor(self, src_len: int, tgt_len: int, weight: float) -> float:
        """exp(-weight * z^2 / 2) for the lengths of a candidate pair (1 for a ratio at the mean)."""
        z = (math.log(max(tgt_len, 1) / max(src_len, 1)) - self.mu) / self.sigma
        return math.exp(-weight * z * z / 2)


def learn_length_models(pairs: Iterable[tuple[Pair, int, int]], default_sigma: float) -> dict[Pair, LengthModel]:
    """A length model per language pair from (pair, source length, target length) of confident pairs.

    A pair with fewer than MIN_LEARNED examples keeps mu 0 and `default_sigma`; a learned sigma is never
    below a quarter of the default, so a few look-alike examples do not make the factor a cliff.
    """
    ratios: dict[Pair, list[float]] = {}
    for pair, src_len, tgt_len in pairs:
        ratios.setdefault(pair, []).append(math.log(max(tgt_len, 1) / max(src_len, 1)))
    return {
        pair: LengthModel(statistics.fmean(values), max(statistics.pstdev(values), default_sigma / 4))
        for pair, values in sorted(ratios.items())
        if len(values) >= MIN_LEARNED
    }


def score_candidates(candidates: pa.Table, norms: pa.Table, prior: float) -> list[Scored]:
    """(anchor score, src_doc_id, tgt_doc_id, src_lang, tgt_lang) of every candidate, before the length factor; 6 decimals.

    `candidates` has src_doc_id, tgt_doc_id, src_lang, tgt_lang, overlap; `norms` has doc_id, other (the
    language scored towards, or join.ANY), weight. `prior` is added to both norms, so that two documents
    with one shared anchor and hardly any other do not score as high as long translations.
    """
    norm = norm_of(norms)
    scored = []
    for src, tgt, src_lang, tgt_lang, shared in zip(*(candidates.column(c).to_pylist() for c in OVERLAPS.names)):
        src_norm = norm.get((src, tgt_lang), 0.0) + norm.get((src, ANY), 0.0)
        tgt_norm = norm.get((tgt, src_lang), 0.0) + norm.get((tgt, ANY), 0.0)
        scored.append((round(min(shared / math.sqrt((src_norm + prior) * (tgt_norm + prior)), 1.0), 6), src, tgt, src_lang, tgt_lang))
    return scored


def with_lengths(scored: Iterable[Scored], lengths: dict[str, int], models: dict[Pair, LengthModel], default_sigma: float, weight: float) -> list[Scored]:
    """Final scores: each anchor score times its length factor under its language pair's model (mu 0 and `default_sigma` without one)."""
    default = LengthModel(0.0, default_sigma)
    return [
        (round(score * models.get((sl, tl), default).factor(lengths[src], lengths[tgt], weight), 6), src, tgt, sl, tl) for score, src, tgt, sl, tl in scored
    ]
