"""spaCy component: a blank line (or, for line-split input, every line break) starts a sentence.

Paragraphs never share a sentence, and Moses-style input keeps one sentence per line. It runs
before the sentence splitter, which leaves boundaries that are already set alone.
"""

from __future__ import annotations

from spacy.tokens import Doc

from tasks.spacy.sentence_starts import INSIDE, START, sent_starts, set_sent_starts


def line_breaks(doc: Doc) -> Doc:
    """Mark sentence starts after paragraph breaks; with `doc._.lines_are_sentences`, after every line break."""
    every_line = doc._.lines_are_sentences
    needed = 1 if every_line else 2
    starts = sent_starts(doc)
    newlines = 0
    for token in doc:
        if token.is_space:
            newlines += token.text.count("\n")
        elif token.i > 0:
            if newlines >= needed:
                starts[token.i] = START
            elif every_line:
                starts[token.i] = INSIDE
        if not token.is_space:
            newlines = 0
        if every_line and token.is_space and token.i > 0:
            starts[token.i] = INSIDE
        newlines += token.whitespace_.count("\n")
    set_sent_starts(doc, starts)
    return doc
