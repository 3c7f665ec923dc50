"""Run a language's spaCy pipeline over documents: in batches, in chunks for long texts, one failure at a time.

Every step (tokens, entities) reads the `Annotated` result, so each document goes through spaCy
once whatever the tasks. A document that makes the pipeline fail is reported, not fatal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from tasks.chunking import chunk_spans


@dataclass
class Annotated:
    """One document's spaCy Docs, each with the code-point offset of its chunk in the document text."""

    chunks: list[tuple[int, Doc]]


@dataclass
class Failed:
    """A document the pipeline could not process, and why."""

    error_type: str
    message: str


def _make_docs(nlp: Language, text: str, lines_are_sentences: bool, max_length: int) -> list[tuple[int, Doc]]:
    chunks = []
    for start, end in chunk_spans(text, max_length):
        doc = nlp.make_doc(text[start:end])
        doc._.lines_are_sentences = lines_are_sentences
        chunks.append((start, doc))
    return chunks


def annotate(
    nlp: Language,
    texts: Sequence[str],
    lines_are_sentences: Sequence[bool],
    max_length: int,
    disable: Sequence[str] = (),
    batch_size: int = 64,
) -> Iterator[Annotated | Failed]:
    """For each text in order, its annotated chunks or the failure that stopped it."""
    for first in range(0, len(texts), batch_size):
        batch = range(first, min(first + batch_size, len(texts)))
        prepared: list[list[tuple[int, Doc]] | Failed] = []
        for i in batch:
            try:
                prepared.append(_make_docs(nlp, texts[i], lines_are_sentences[i], max_length))
            except Exception as exc:  # one bad document must not lose its neighbours
                prepared.append(Failed(type(exc).__name__, f"tokenizer: {exc}"))
        flat = [doc for item in prepared if not isinstance(item, Failed) for _, doc in item]
        try:
            processed = iter(list(nlp.pipe(flat, disable=list(disable))))
        except Exception:
            yield from (_one_by_one(nlp, item, disable) for item in prepared)
            continue
        for item in prepared:
            if isinstance(item, Failed):
                yield item
            else:
                yield Annotated([(offset, next(processed)) for offset, _ in item])


def _one_by_one(nlp: Language, item: list[tuple[int, Doc]] | Failed, disable: Sequence[str]) -> Annotated | Failed:
    if isinstance(item, Failed):
        return item
    try:
        return Annotated([(offset, doc) for (offset, _), doc in zip(item, nlp.pipe([d for _, d in item], disable=list(disable)))])
    except Exception as exc:  # isolates the document that broke its batch
        return Failed(type(exc).__name__, f"pipeline: {exc}")
