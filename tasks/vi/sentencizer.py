"""spaCy component "polycorpus_vi_sentencizer": Vietnamese sentence boundaries from punctuation.

A sentence ends at a token of terminal punctuation (. ! ? ... …) plus any closing quotes or
brackets glued to it, when whitespace and a word that does not start in lower case follow.
Abbreviations ("TP.", "PGS.TS.", "Th.S"), initials ("H."), decimals and thousands ("7,5", "1.500")
are single tokens from the tokenizer or have no space after their period, so they never end a
sentence; nor does a period the tokenizer split from a known abbreviation or a single capital.
Line breaks are polycorpus_line_breaks' (it runs first). Like spaCy's Sentencizer it leaves tokens
whose `is_sent_start` is already set alone; whitespace never starts a sentence.

One pass: a regex finds the candidate ends in the text, and token offsets (not Token objects) say
which of them are whole tokens, so the cost grows with the number of sentences, not of tokens.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.tokens import Doc

from tasks.spacy.sentence_starts import INSIDE, START, UNSET, doc_text, sent_starts, set_sent_starts, token_spans
from tasks.vi.segmenter import ABBREVIATIONS

# Terminal punctuation, closers glued to it, then whitespace; the match ends where the next sentence would start.
_END = re.compile(r"([.!?…]+)[\"'”’)\]}»]*\s+(?=(\S))")
# Words whose period, split off by the tokenizer, does not end a sentence.
_PERIOD_ABBREVIATIONS = ABBREVIATIONS | {"Mr", "Mrs", "Ms", "Dr", "St", "Ths", "Tp"}


class VietnameseSentencizer:
    """Sets `is_sent_start` on the tokens it is not already set on (see the module docstring)."""

    def __call__(self, doc: Doc) -> Doc:
        """Mark the sentence starts of `doc` and return it."""
        if not len(doc):
            return doc
        text = doc_text(doc)
        starts = sent_starts(doc)
        candidates = [m for m in _END.finditer(text) if not m.group(2).islower()]
        if candidates:
            offsets, token_ends = token_spans(doc)
            ends = [(m.start(1), m.end(1), m.end()) for m in candidates]
            firsts = np.searchsorted(offsets, [start for start, _, _ in ends]).tolist()
            lasts = np.searchsorted(token_ends, [end for _, end, _ in ends]).tolist()
            nexts = np.searchsorted(offsets, [after for _, _, after in ends]).tolist()
            n = len(offsets)
            for (start, end, _), i, e, k in zip(ends, firsts, lasts, nexts):
                # The punctuation must be whole tokens: one starts where it starts, one ends where it ends.
                if i == n or offsets[i] != start or e == n or token_ends[e] != end:
                    continue
                if end - start == 1 and text[start] == "." and i > 0 and token_ends[i - 1] == start:
                    word = doc[i - 1].text
                    if word in _PERIOD_ABBREVIATIONS or (len(word) == 1 and word.isupper()):
                        continue
                if starts[k] == UNSET:
                    starts[k] = START
        if starts[0] == UNSET:
            starts[0] = START
        starts[starts == UNSET] = INSIDE
        set_sent_starts(doc, starts)
        return doc
