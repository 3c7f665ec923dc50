"""The tokenize step: sentences and tokens rows from annotated documents, and the line format of the CLI."""

from __future__ import annotations

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
    return " ".join(
        "_".join(t.text.split()) for _, doc in annotated.chunks for t in doc if not t.is_space
    )
