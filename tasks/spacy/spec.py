"""What one language's spaCy pipeline is built from (`LanguageSpec`), importable without spaCy: config validation reads its defaults."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_LENGTH = 1_000_000  # characters per spaCy call; longer documents are processed in chunks


@dataclass(frozen=True)
class LanguageSpec:
    """How to build the pipeline of one language: an installed spaCy package or None for a blank one.

    `hard_wrapped`: the input's single line breaks are spaces and only blank lines end paragraphs
    (tasks/spacy/line_breaks.py); by default every line break ends a sentence.
    """

    model: str | None = None
    user_dict: str | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    hard_wrapped: bool = False
