"""spaCy tokenizer "polycorpus.vi_tokenizer.v1": Vietnamese words from pyvi's CRF, with exact offsets.

Use it through spaCy's config: spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers":
"polycorpus.vi_tokenizer.v1", "user_dict": None}}}). Whitespace follows spaCy's convention: one
space after a token goes into its `whitespace_`, any other whitespace run is a SPACE token; a word's
syllables keep the text between them ("Hồ Chí Minh"), and no token crosses a line break.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import srsly
from spacy import util
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from corpus.readers import read_lines
from tasks.vi.segmenter import FIXES, VietnameseSegmenter


def read_user_dict(path: str | Path) -> list[str]:
    """The words of a user dictionary file: UTF-8, one word per line, syllables separated by spaces."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Vietnamese user dictionary {str(path)!r} does not exist")
    lines = read_lines(str(path))
    return [unicodedata.normalize("NFC", " ".join(line.split())) for line in lines if line.strip()]


class VietnameseTokenizer:
    """Turns text into a Doc of Vietnamese words (pyvi's segmentation plus the fixes in FIXES)."""

    def __init__(self, vocab: Vocab, user_words: Iterable[str] = (), fixes: Iterable[str] = FIXES) -> None:
        self.vocab = vocab
        self.segmenter = VietnameseSegmenter(fixes=fixes, user_words=user_words)

    def __call__(self, text: str) -> Doc:
        words, spaces = self.segmenter.words(text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        """Docs of `texts`, in order: segmented many at a time, which is faster than one call each.

        `batch_size` is spaCy's signature; the segmenter groups texts by characters instead.
        """
        for words, spaces in self.segmenter.words_many(texts):
            yield Doc(self.vocab, words=words, spaces=spaces)

    def pipe_spans(self, texts: Iterable[str]) -> Iterator[list[tuple[int, int]]]:
        """For each of `texts`, in order, the (start, end) code-point offsets of the tokens `pipe` makes of it that
        are not whitespace: the words, without building Docs (tasks.spacy.annotate.SpanTokenizer)."""
        return self.segmenter.spans_many(texts)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.vocab, self.segmenter.user_words, sorted(self.segmenter.fixes))

    def _get_config(self) -> dict[str, Any]:
        return {"user_words": list(self.segmenter.user_words), "fixes": sorted(self.segmenter.fixes)}

    def _set_config(self, config: dict[str, Any]) -> None:
        self.segmenter = VietnameseSegmenter(fixes=config["fixes"], user_words=config["user_words"])

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The settings (user words, fixes) as bytes; the CRF is pyvi's and is not copied."""
        return util.to_bytes({"cfg": lambda: srsly.json_dumps(self._get_config())}, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> VietnameseTokenizer:
        """Restore the settings written by `to_bytes`."""
        util.from_bytes(bytes_data, {"cfg": lambda b: self._set_config(srsly.json_loads(b))}, exclude)
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the settings into the directory `path` (as nlp.to_disk does for its tokenizer)."""
        util.to_disk(util.ensure_path(path), {"cfg": lambda p: srsly.write_json(p, self._get_config())}, exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> VietnameseTokenizer:
        """Restore the settings written by `to_disk`."""
        util.from_disk(util.ensure_path(path), {"cfg": lambda p: self._set_config(srsly.read_json(p))}, exclude)
        return self


def create_vi_tokenizer(user_dict: str | None = None) -> Callable[[Language], VietnameseTokenizer]:
    """Factory named in spaCy configs; `user_dict` is a file of words that must stay one token each."""
    user_words = read_user_dict(user_dict) if user_dict else []

    def make_tokenizer(nlp: Language) -> VietnameseTokenizer:
        return VietnameseTokenizer(nlp.vocab, user_words=user_words)

    return make_tokenizer
