"""spaCy component "polycorpus_line_breaks": where lines start sentences, set before any sentence splitter runs.

Three ways to read the line breaks of a text, one per Doc:

- by default a line break ends a sentence, in every language: the first word after each "\\n"
  starts one, so a sentence never spans a line break (text with one segment per line, subtitles,
  headlines over their article);
- hard-wrapped input (the component's `hard_wrapped` setting, from the `run.hard_wrapped` config
  key): a single "\\n" is a space, and only a blank line (a line of whitespace at most) ends a paragraph;
- `doc._.lines_are_sentences` (Moses input): every line is exactly one sentence, never split inside.

Only "\\n" is a line break ("\\r\\n" ends with one; a lone "\\r", U+2028 and form feeds are whitespace),
as in every line-based reader of polycorpus. Boundaries are found with one regex pass over the text
and mapped to tokens through their offsets, so a text without a line break costs one substring test.
The splitter that runs next leaves the boundaries set here alone and fills in the rest.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.tokens import Doc

from tasks.spacy.sentence_starts import INSIDE, START, doc_text, sent_starts, set_sent_starts, token_starts

# Where the first non-whitespace character after a line break (a blank line) is.
_AFTER_LINE_BREAK = re.compile(r"\n\s*(?=\S)")
_AFTER_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*(?=\S)")


class LineBreaks:
    """Marks the first token after each line break (blank line, when `hard_wrapped`) as a sentence start."""

    def __init__(self, hard_wrapped: bool = False) -> None:
        self.hard_wrapped = hard_wrapped
        self._pattern = _AFTER_BLANK_LINE if hard_wrapped else _AFTER_LINE_BREAK

    def __call__(self, doc: Doc) -> Doc:
        """Set the sentence starts that lines decide and return `doc`."""
        extensions = doc._  # a new object on every access
        every_line = extensions.lines_are_sentences
        text = doc_text(doc, extensions.text)
        if "\n" not in text and not every_line:
            return doc
        pattern = _AFTER_LINE_BREAK if every_line else self._pattern
        positions = [match.end() for match in pattern.finditer(text)]
        starts = sent_starts(doc)
        if every_line:
            starts[1:] = INSIDE
        if positions:
            starts[np.searchsorted(token_starts(doc), positions)] = START
        set_sent_starts(doc, starts)
        return doc
