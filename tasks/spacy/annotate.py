"""Run a language's spaCy pipeline over documents: in batches, in chunks for long texts, one failure at a time.

Every step (tokens, entities) reads the `Annotated` result, so each document goes through spaCy
once whatever the tasks. A document that makes the pipeline fail is reported, not fatal. A reader
of the tokens alone (the `tokenize` command) takes their offsets from `word_spans` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from spacy.attrs import IDX, IS_SPACE, LENGTH
from spacy.language import Language
from spacy.pipeline import Tok2Vec
from spacy.tokens import Doc

from tasks.spacy.batches import batches
from tasks.spacy.chunking import chunk_spans

# Text per nlp.pipe call. A model's forward pass keeps every layer's output until the batch is done:
# fr_core_news_md holds ~3 KB per character, so 64 news articles (~130 kB) cost ~400 MB at once.
BATCH_CHARS = 20_000


@dataclass
class Annotated:
    """One document's spaCy Docs, each with the code-point offset of its chunk in the document text."""

    chunks: list[tuple[int, Doc]]


@dataclass
class Failed:
    """A document the pipeline could not process, and why."""

    error_type: str
    message: str


@runtime_checkable
class SpanTokenizer(Protocol):
    """A tokenizer that gives the offsets of its words without building Docs (tasks/vi/tokenizer.py's does)."""

    def pipe_spans(self, texts: Iterable[str]) -> Iterator[list[tuple[int, int]]]:
        """For each of `texts`, in order, the (start, end) code-point offsets of the tokens `pipe` makes of it
        that are not whitespace."""
        ...


def _chunk(texts: Sequence[str], max_length: int) -> tuple[list[list[tuple[int, int]]], list[str]]:
    """Each text's chunks (`chunk_spans`), and the text of every chunk of all the texts in order."""
    spans = [chunk_spans(text, max_length) for text in texts]
    return spans, [text[start:end] for text, text_spans in zip(texts, spans) for start, end in text_spans]


def _tokenize(nlp: Language, texts: list[str], lines_are_sentences: list[bool], max_length: int) -> list[list[tuple[int, Doc]] | Failed]:
    """Each text's chunks as Docs, all through one `tokenizer.pipe` call (the Vietnamese tokenizer segments
    many texts at once faster than one by one); if that fails, text by text, so that only the bad text fails."""
    try:
        spans, pieces = _chunk(texts, max_length)
        docs = nlp.tokenizer.pipe(pieces)
        chunks = [[(start, next(docs)) for start, _ in text_spans] for text_spans in spans]
    except Exception:
        return [_tokenize_one(nlp, text, flag, max_length) for text, flag in zip(texts, lines_are_sentences)]
    prepared = iter(pieces)
    for text_chunks, flag in zip(chunks, lines_are_sentences):
        for _, doc in text_chunks:
            _prepare(doc, next(prepared), flag)
    return chunks


def _tokenize_one(nlp: Language, text: str, lines_are_sentences: bool, max_length: int) -> list[tuple[int, Doc]] | Failed:
    try:
        chunks = [(start, nlp.make_doc(text[start:end])) for start, end in chunk_spans(text, max_length)]
    except Exception as exc:  # one bad document must not lose its neighbours
        return Failed(type(exc).__name__, f"tokenizer: {exc}")
    for (start, doc), (_, end) in zip(chunks, chunk_spans(text, max_length)):
        _prepare(doc, text[start:end], lines_are_sentences)
    return chunks


def _prepare(doc: Doc, text: str, lines_are_sentences: bool) -> None:
    """Keep the Doc's text (its components read it instead of rebuilding it from tokens) and how its lines split sentences."""
    extensions = doc._  # a new object on every access
    extensions.text = text
    extensions.lines_are_sentences = lines_are_sentences


def annotate(
    nlp: Language,
    texts: Sequence[str],
    lines_are_sentences: Sequence[bool],
    max_length: int,
    batch_size: int,
    batch_chars: int = BATCH_CHARS,
) -> Iterator[Annotated | Failed]:
    """For each text in order, its annotated chunks (at most `max_length` characters each) or the failure that stopped it.

    Batches hold at most `batch_size` documents and `batch_chars` characters (a longer document goes alone),
    so memory is bounded by the batch, not the number of documents.
    """
    disable = unused_tok2vec(nlp)
    for batch in batches(range(len(texts)), lambda i: len(texts[i]), batch_chars, batch_size):
        prepared = _tokenize(nlp, [texts[i] for i in batch], [lines_are_sentences[i] for i in batch], max_length)
        flat = [doc for item in prepared if not isinstance(item, Failed) for _, doc in item]
        try:
            processed = iter(list(nlp.pipe(flat, disable=disable)))
        except Exception:
            yield from (_one_by_one(nlp, item, disable) for item in prepared)
            continue
        for item in prepared:
            if isinstance(item, Failed):
                yield item
            else:
                yield Annotated([(offset, next(processed)) for offset, _ in item])


def word_spans(
    nlp: Language, texts: Iterable[str], max_length: int, batch_size: int, batch_chars: int = BATCH_CHARS
) -> Iterator[list[tuple[int, int]] | Failed]:
    """For each text in order, the (start, end) code-point offsets of its tokens that are not whitespace, or the
    failure that stopped it: the tokenizer alone, no component runs (no sentences, no entities).

    Texts are batched and cut into chunks as `annotate` does, so the tokens are those of its Docs. A
    `SpanTokenizer` gives the offsets without building Docs; any other tokenizer's Docs are read as arrays.
    """
    for batch in batches(texts, len, batch_chars, batch_size):
        try:
            spans = _word_spans(nlp.tokenizer, batch, max_length)
        except Exception:
            spans = [_word_spans_one(nlp.tokenizer, text, max_length) for text in batch]
        yield from spans


def _word_spans(tokenizer: Any, texts: list[str], max_length: int) -> list[list[tuple[int, int]]]:
    chunks, pieces = _chunk(texts, max_length)
    if isinstance(tokenizer, SpanTokenizer):
        per_piece = iter(tokenizer.pipe_spans(pieces))
    else:
        per_piece = map(_doc_word_spans, tokenizer.pipe(pieces))
    return [
        next(per_piece) if len(text_chunks) == 1 else [(offset + start, offset + end) for offset, _ in text_chunks for start, end in next(per_piece)]
        for text_chunks in chunks
    ]


def _word_spans_one(tokenizer: Any, text: str, max_length: int) -> list[tuple[int, int]] | Failed:
    try:
        return _word_spans(tokenizer, [text], max_length)[0]
    except Exception as exc:  # one bad document must not lose its neighbours
        return Failed(type(exc).__name__, f"tokenizer: {exc}")


def _doc_word_spans(doc: Doc) -> list[tuple[int, int]]:
    """The (start, end) offsets of the tokens of `doc` that are not whitespace, read as arrays, not Token objects."""
    return [(start, start + length) for start, length, space in doc.to_array([IDX, LENGTH, IS_SPACE]).tolist() if not space]


def unused_tok2vec(nlp: Language) -> list[str]:
    """Names of the Tok2Vec components no other component listens to: their output (doc.tensor) is never read.

    The fr_core_news models' NER embeds tokens itself, so their shared tok2vec would only cost time and memory.
    """
    return [name for name, pipe in nlp.pipeline if isinstance(pipe, Tok2Vec) and not pipe.listening_components]


def _one_by_one(nlp: Language, item: list[tuple[int, Doc]] | Failed, disable: Sequence[str]) -> Annotated | Failed:
    if isinstance(item, Failed):
        return item
    try:
        return Annotated([(offset, doc) for (offset, _), doc in zip(item, nlp.pipe([d for _, d in item], disable=list(disable)))])
    except Exception as exc:  # isolates the document that broke its batch
        return Failed(type(exc).__name__, f"pipeline: {exc}")
