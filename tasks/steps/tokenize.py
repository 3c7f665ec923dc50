"""The `tokenize` task: sentences and tokens of every document, from the shard's spaCy pass; and the line tool's format."""

from __future__ import annotations

from typing import Any

from tasks.base import NoOptions, Rows, ShardData, Task
from tasks.spacy.annotate import Annotated


def sentence_rows(doc_id: str, lang: str, text: str, annotated: Annotated) -> tuple[list[dict], list[dict]]:
    """`sentences` and `tokens` rows of one document; whitespace tokens are left out and sentences trimmed."""
    sentences: list[dict] = []
    tokens: list[dict] = []
    for offset, doc in annotated.chunks:
        for sent in doc.sents:
            words = [t for t in sent if not t.is_space]
            if not words:
                continue
            start = offset + words[0].idx
            end = offset + words[-1].idx + len(words[-1].text)
            idx = len(sentences)
            sentences.append({"doc_id": doc_id, "lang": lang, "sent_idx": idx, "start": start, "end": end, "text": text[start:end]})
            tokens.append(
                {
                    "doc_id": doc_id,
                    "lang": lang,
                    "sent_idx": idx,
                    "tokens": [t.text for t in words],
                    "starts": [offset + t.idx for t in words],
                    "ends": [offset + t.idx + len(t.text) for t in words],
                }
            )
    return sentences, tokens


def token_line(annotated: Annotated) -> str:
    """One document as the `tokenize` command prints it: tokens split by one space, inner whitespace as `_`."""
    return " ".join("_".join(t.text.split()) for _, doc in annotated.chunks for t in doc if not t.is_space)


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
