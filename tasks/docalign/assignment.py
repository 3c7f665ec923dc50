"""One-to-one assignment of scored candidates per language pair: greedy by similarity, then the threshold on the margin.

Greedy matching in decreasing similarity is the assignment of the WMT16 document alignment baseline
(Buck and Koehn 2016); it keeps each document in at most one pair per other language, and a document
whose best candidate was taken by a better pair falls back to its next one. A pair's written score is
its similarity minus the mean of both documents' background (the mean similarity of each document's
`neighbours` best other candidates), the hubness correction CSLS of Conneau et al. 2018 ("Word
Translation Without Parallel Data"): long documents on a common topic resemble many documents, so only
a similarity well above a document's background makes a translation.
"""

from __future__ import annotations

from collections.abc import Iterable

from tasks.docalign.scoring import Scored


def assign(scored: Iterable[Scored], min_score: float, neighbours: int) -> list[Scored]:
    """The pairs kept, with their margin as score: most similar first (ties by doc ids), each document once per other language.

    A pair whose margin is below `min_score` is not kept (its documents stay free for other pairs).
    Returned in (src_lang, tgt_lang, src_doc_id) order, scores rounded to 6 decimals.
    """
    ordered = sorted(scored, key=lambda s: (-s[0], s[1], s[2]))
    ranked: dict[tuple[str, str], list[tuple[float, str]]] = {}  # (doc, partner language) -> (similarity, partner), best first
    for score, src, tgt, src_lang, tgt_lang in ordered:
        ranked.setdefault((src, tgt_lang), []).append((score, tgt))
        ranked.setdefault((tgt, src_lang), []).append((score, src))

    def background(doc: str, lang: str, partner: str) -> float:
        others = [score for score, other in ranked[(doc, lang)][: neighbours + 1] if other != partner][:neighbours]
        return sum(others) / len(others) if others else 0.0

    taken: set[tuple[str, str]] = set()  # (doc_id, language of its partner)
    kept: list[Scored] = []
    for score, src, tgt, src_lang, tgt_lang in ordered:
        if score < min_score:
            break
        if (src, tgt_lang) in taken or (tgt, src_lang) in taken:
            continue
        margin = score - (background(src, tgt_lang, tgt) + background(tgt, src_lang, src)) / 2
        if margin < min_score:
            continue
        taken.add((src, tgt_lang))
        taken.add((tgt, src_lang))
        kept.append((round(margin, 6), src, tgt, src_lang, tgt_lang))
    return sorted(kept, key=lambda s: (s[3], s[4], s[1]))
