"""Cut a text longer than a pipeline's max_length into pieces at natural breaks, in linear time.

Pieces end after a blank line if one is close enough, else after a line break, else after
whitespace, else at the hard limit, so sentences and tokens rarely straddle a cut.
"""

from __future__ import annotations


def chunk_spans(text: str, max_length: int) -> list[tuple[int, int]]:
    """(start, end) pieces covering `text` in order, each at most `max_length` code points."""
    if max_length <= 0:
        raise ValueError("max_length must be positive")
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > max_length:
        limit = start + max_length
        floor = start + max_length // 2
        cut = -1
        for sep in ("\n\n", "\n", " "):
            found = text.rfind(sep, floor, limit)
            if found != -1:
                cut = found + len(sep)
                break
        if cut == -1:
            cut = limit
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return spans
