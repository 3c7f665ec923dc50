"""pyvi's Vietnamese part-of-speech tagger (`pyvi.ViPosTagger`), without scikit-learn.

`pyvi.ViPosTagger` unpickles its CRF (models/pyvipos3.pkl, a pickled sklearn_crfsuite.CRF) as soon as it
is imported, and that imports scikit-learn: about 1.1 CPU-s of every worker process with Vietnamese
entities. Here the model's bytes come out of the pickle through the segmenter's restricted unpickler
(tasks/vi/pyvi_model.py) and python-crfsuite tags with them directly, given the feature dicts pyvi builds
(`ViPosTagger.word2features`, reproduced in `_features`). That is all sklearn_crfsuite's `CRF.predict`
does, so the tags are pyvi's own (tests/test_vi_tokenizer.py compares them).
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence

import pycrfsuite

from tasks.vi.pyvi_model import crf_bytes

_MODEL_FILE = "models/pyvipos3.pkl"
# pyvi's ViPosTagger.filtered_tags: the words its feature `word.isfiltered` marks.
_FILTERED = frozenset(string.punctuation) | {"\u2026", "\u201d", "\u201c", "\u2019", "..."}


class _Tagger:
    """An open python-crfsuite Tagger and the model bytes it reads in place (they must outlive it)."""

    def __init__(self, model: bytes) -> None:
        self.model = model
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open_inmemory(model)


@functools.lru_cache(maxsize=1)
def _tagger() -> _Tagger:
    return _Tagger(crf_bytes(_MODEL_FILE))


def pos_tags(words: Sequence[str]) -> list[str]:
    """pyvi's POS tag of each word (syllables of a word joined by "_", as pyvi writes them): N, V, A, Np, CH, ...

    The same tags as `pyvi.ViPosTagger.postagging_tokens(words)`; the model is loaded on first use, once per process.
    """
    if not words:
        return []
    return _tagger().tagger.tag([_features(words, i) for i in range(len(words))])


def _features(words: Sequence[str], i: int) -> dict[str, object]:
    """pyvi's ViPosTagger.word2features(words, i, False), key for key in its order (crfsuite sums the weights in it)."""
    word = words[i]
    features: dict[str, object] = {
        "bias": 1.0,
        "word.lower()": word.lower(),
        "word.istitle()": word.istitle(),
        "word.isdigit()": word.isdigit(),
        "word[:1].isdigit()": word[:1].isdigit(),
        "word[:3].isupper()": word[:3].isupper(),
        "word.isfiltered": word in _FILTERED,
    }
    if i > 0:
        word1 = words[i - 1]
        features.update(
            {
                "-1:word.lower()": word1.lower(),
                "-1:word.istitle()": word1.istitle(),
                "-1:word[:1].isdigit()": word1[:1].isdigit(),
                "-1:word[:3].isupper()": word1[:3].isupper(),
            }
        )
        if i > 1:
            word2 = words[i - 2]
            features.update({"-2:word.lower()": word2.lower(), "-2:word.istitle()": word2.istitle(), "-2:word.isupper()": word2.isupper()})
    else:
        features["BOS"] = True
    if i < len(words) - 1:
        word1 = words[i + 1]
        features.update(
            {
                "+1:word.lower()": word1.lower(),
                "+1:word.istitle()": word1.istitle(),
                "+1:word[:1].isdigit()": word1[:1].isdigit(),
                "+1:word.isupper()": word1.isupper(),
            }
        )
        if i < len(words) - 2:
            word2 = words[i + 2]
            features.update({"+2:word.lower()": word2.lower(), "+2:word.istitle()": word2.istitle(), "+2:word.isupper()": word2.isupper()})
    else:
        features["EOS"] = True
    return features
