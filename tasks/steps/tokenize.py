"""The `tokenize` task: sentences and tokens of every document, from the shard's spaCy pass; and the line tool's format."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.tokens import Doc

from tasks.base import NoOptions, Rows, ShardData, Task
from tasks.spacy.annotate import Annotated
from tasks.spacy.sentence_starts import START

_COLUMNS = [IDX, LENGTH, IS_SPACE, SENT_START]
_INNER_WHITESPACE = re.compile(r"[^\S\n]+")


def _words(offset: int, doc: Doc) -> tuple[list[int], list[int], list[int]]:
    """The non-whitespace tokens of `doc` read from its arrays, not Token objects: their starts and ends
    (code points, shifted by `offset`), and the index among them of each sentence's first word."""
    if not len(doc):
        return [], [], []
    columns = doc.to_array(_COLUMNS).astype(np.int64)
    columns[0, 3] = START
    if columns[:, 2].any():
        # A sentence starts at its first word, however much whitespace comes first.
        sentence = np.cumsum(columns[:, 3] == START)
        words = columns[:, 2] == 0
        columns, sentence = columns[words], sentence[words]
        firsts = np.flatnonzero(np.diff(sentence, prepend=-1))
    else:
        firsts = np.flatnonzero(columns[:, 3] == START)
    starts = columns[:, 0] + offset
    return starts.tolist(), (starts + columns[:, 1]).tolist(), firsts.tolist()


def sentence_rows(doc_id: str, lang: str, text: str, annotated: Annotated) -> tuple[list[dict], list[dict]]:
    """`sentences` and `tokens` rows of one document; whitespace tokens are left out and sentences trimmed."""
    sentences: list[dict] = []
    tokens: list[dict] = []
    for offset, doc in annotated.chunks:
        starts, ends, firsts = _words(offset, doc)
        for first, last in zip(firsts, [*firsts[1:], len(starts)]):
            word_starts, word_ends = starts[first:last], ends[first:last]
            start, end = word_starts[0], word_ends[-1]
            idx = len(sentences)
            sentences.append({"doc_id": doc_id, "lang": lang, "sent_idx": idx, "start": start, "end": end, "text": text[start:end]})
            words = list(map(text.__getitem__, map(slice, word_starts, word_ends)))
            tokens.append({"doc_id": doc_id, "lang": lang, "sent_idx": idx, "tokens": words, "starts": word_starts, "ends": word_ends})
    return sentences, tokens


def token_line(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """One document (`text`, the offsets of its tokens that are not whitespace: `annotate.word_spans`) as the
    `tokenize` command prints it: tokens split by one space, inner whitespace as `_`."""
    # No token holds a "\n" (whitespace tokens are left out, and no word crosses a line break): it can stand
    # between the tokens while the whitespace inside them becomes "_", in two passes over the whole line.
    return _INNER_WHITESPACE.sub("_", "\n".join([text[start:end] for start, end in spans])).replace("\n", " ")


class TokenizeStep:
    """Rows of each document as it comes; nothing left for the end of the shard."""

    def document(self, doc: dict, annotated: Annotated) -> Rows:
        sentences, tokens = sentence_rows(doc["doc_id"], doc["lang"], doc["text"], annotated)
        return {"sentences": sentences, "tokens": tokens}

    def finish(self) -> Rows:
        return {}


def start(shard: ShardData, options: NoOptions, corpus: Any = None) -> TokenizeStep:
    """The tokenize work of one shard."""
    return TokenizeStep()


TASK = Task(
    name="tokenize",
    doc="sentences and tokens with exact code-point offsets (pyvi words for Vietnamese)",
    tables=("sentences", "tokens"),
    start=start,
    annotates=True,
)
