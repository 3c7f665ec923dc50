"""Read and write every sentence start of a spaCy Doc at once, for sentence components that must stay linear.

spaCy's `Token.is_sent_start` setter scans the whole Doc for a parse on each call, so a component
setting it token by token is quadratic (20k tokens: 10 s). Components read the values as a list
(1 start, -1 not a start, 0 unset), change them, and write them back once.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import SENT_START
from spacy.tokens import Doc

START, INSIDE, UNSET = 1, -1, 0


def sent_starts(doc: Doc) -> list[int]:
    """The sentence start of each token: START, INSIDE or UNSET."""
    return doc.to_array([SENT_START]).reshape(-1).astype(np.int64).tolist()


def set_sent_starts(doc: Doc, starts: list[int]) -> None:
    """Write back the values of `sent_starts`, one per token, in one pass."""
    doc.from_array([SENT_START], np.asarray(starts, dtype=np.int64).astype(np.uint64).reshape(-1, 1))
