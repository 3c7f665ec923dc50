"""Run a language's spaCy pipeline over documents: in batches, in chunks for long texts, one failure at a time.

Every step (tokens, entities) reads the `Annotated` result, so each document goes through spaCy
once whatever the tasks. A document that makes the pipeline fail is reported, not fatal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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


def _tokenize(nlp: Language, texts: list[str], lines_are_sentences: list[bool], max_length: int) -> list[list[tuple[int, Doc]] | Failed]:
    """Each text's chunks as Docs, all through one `tokenizer.pipe` call (the Vietnamese tokenizer segments
    many texts at once faster than one by one); if that fails, text by text, so that only the bad text fails."""
    try:
        spans = [chunk_spans(text, max_length) for text in texts]
        pieces = [[text[start:end] for start, end in text_spans] for text, text_spans in zip(texts, spans)]
        docs = nlp.tokenizer.pipe([piece for text_pieces in pieces for piece in text_pieces])
        chunks = [[(start, next(docs)) for start, _ in text_spans] for text_spans in spans]
    except Exception:
        return [_tokenize_one(nlp, text, flag, max_length) for text, flag in zip(texts, lines_are_sentences)]
    for text_chunks, text_pieces, flag in zip(chunks, pieces, lines_are_sentences):
        for (_, doc), piece in zip(text_chunks, text_pieces):
            _prepare(doc, piece, flag)
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
    tokens_only: bool = False,
) -> Iterator[Annotated | Failed]:
    """For each text in order, its annotated chunks (at most `max_length` characters each) or the failure that stopped it.

    Batches hold at most `batch_size` documents and `batch_chars` characters (a longer document goes alone),
    so memory is bounded by the batch, not the number of documents. `tokens_only`: the tokenizer alone, no
    component runs (no sentences, no entities), for a reader of the tokens only.
    """
    disable = unused_tok2vec(nlp)
    for batch in batches(range(len(texts)), lambda i: len(texts[i]), batch_chars, batch_size):
        prepared = _tokenize(nlp, [texts[i] for i in batch], [lines_are_sentences[i] for i in batch], max_length)
        if tokens_only:
            yield from (item if isinstance(item, Failed) else Annotated(item) for item in prepared)
            continue
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
