"""Read and write every sentence start of a spaCy Doc at once, for sentence components that must stay linear.

spaCy's `Token.is_sent_start` setter scans the whole Doc for a parse on each call, so a component
setting it token by token is quadratic (20k tokens: 10 s), and even reading tokens one by one
builds a Python object per token. Components read the values as an array (1 start, -1 not a start,
0 unset), change them, and write them back once; they find tokens by character offset
(`token_starts`, `token_spans`) in the text (`doc_text`) instead of walking them.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.tokens import Doc

START, INSIDE, UNSET = 1, -1, 0


def sent_starts(doc: Doc) -> np.ndarray:
    """The sentence start of each token (int64 array of START, INSIDE or UNSET)."""
    return doc.to_array(SENT_START).astype(np.int64)


def set_sent_starts(doc: Doc, starts: np.ndarray) -> None:
    """Write back the values of `sent_starts`, one per token, in one pass."""
    doc.from_array([SENT_START], np.asarray(starts, dtype=np.int64).astype(np.uint64).reshape(-1, 1))


def doc_text(doc: Doc, kept: str | None = None) -> str:
    """The text of `doc`: the one its tokenizer was given when tasks.spacy.annotate kept it (`doc._.text`, or
    `kept` when the caller has read it already), else rebuilt from the tokens (spaCy's `Doc.text`, which
    makes a Python object per token on every call)."""
    text = doc._.text if kept is None else kept
    return doc.text if text is None else text


def token_starts(doc: Doc) -> np.ndarray:
    """The code-point offset of each token in `doc.text` (int64 array, ascending): search it for the token at an offset."""
    return doc.to_array(IDX).astype(np.int64)


def token_spans(doc: Doc) -> tuple[np.ndarray, np.ndarray]:
    """Where each token starts and ends (end exclusive) in `doc.text`, in code points: two ascending int64 arrays."""
    spans = doc.to_array([IDX, LENGTH]).astype(np.int64)
    return spans[:, 0], spans[:, 0] + spans[:, 1]
