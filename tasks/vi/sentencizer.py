"""spaCy component "polycorpus_vi_sentencizer": Vietnamese sentence boundaries from punctuation and lines.

A sentence ends at terminal punctuation (. ! ? ... …) plus any closing quotes or brackets glued to
it, when whitespace and a word that does not start in lower case follow. A line break followed by
such a word also starts a sentence. Abbreviations ("TP.", "PGS.TS.", "Th.S"), initials ("H."),
decimals and thousands ("7,5", "1.500") are single tokens from the tokenizer or have no space after
their period, so they never end a sentence. Like spaCy's Sentencizer it leaves tokens whose
`is_sent_start` is already set (by polycorpus_line_breaks) alone; whitespace never starts a sentence.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from tasks.spacy.sentence_starts import INSIDE, START, UNSET, sent_starts, set_sent_starts
from tasks.vi.segmenter import ABBREVIATIONS, LINE_BREAKS

_TERMINAL_CHARS = frozenset(".!?…")
_CLOSERS = frozenset("\"'”’)]}»")
# Words whose period, split off by the tokenizer, does not end a sentence.
_PERIOD_ABBREVIATIONS = ABBREVIATIONS | {"Mr", "Mrs", "Ms", "Dr", "St", "Ths", "Tp"}


class VietnameseSentencizer:
    """Sets `is_sent_start` on the tokens it is not already set on (see the module docstring)."""

    def __call__(self, doc: Doc) -> Doc:
        """Mark the sentence starts of `doc` and return it."""
        if not len(doc):
            return doc
        starts = sent_starts(doc)  # set in one pass at the end: spaCy's per-token setter is O(len(doc))
        previous = doc[0]
        if starts[0] == UNSET:
            starts[0] = START
        pending = _is_terminal(previous)  # a sentence end was seen; the next word may start a sentence
        new_line = False  # a line break was seen since the last word
        for token in doc[1:]:
            text = token.text
            preset = starts[token.i]
            if token.is_space:
                new_line = new_line or not LINE_BREAKS.isdisjoint(text)
                if preset == UNSET:
                    starts[token.i] = INSIDE
                previous = token
                continue
            spaced = previous.is_space or bool(previous.whitespace_)
            if preset == UNSET:
                starts[token.i] = START if (pending and spaced or new_line) and not text[0].islower() else INSIDE
            # A closing quote or bracket glued to a sentence end stays with that sentence.
            if not (pending and text[0] in _CLOSERS and not spaced):
                pending = _is_terminal(token)
            new_line = False
            previous = token
        set_sent_starts(doc, starts)
        return doc


def _is_terminal(token: Token) -> bool:
    text = token.text
    if not _TERMINAL_CHARS.issuperset(text):
        return False
    if text != "." or token.i == 0:
        return True
    before = token.doc[token.i - 1]
    if before.whitespace_ or before.is_space:
        return True
    word = before.text
    return not (word in _PERIOD_ABBREVIATIONS or (len(word) == 1 and word.isupper()))
