"""Load the word-segmentation CRF and n-gram lexicon that pyvi ships, once per process.

pyvi stores its CRFs (this one, and the POS tagger's: tasks/vi/pos_tagger.py) each as a pickled
sklearn_crfsuite.CRF whose state holds the python-crfsuite model file's bytes. Unpickling it the usual
way imports scikit-learn (~1.5 s per worker) and writes a temp file; a restricted unpickler pulls out
only the model bytes and opens them in memory instead, with its attributes renamed to 2 bytes each
(tasks/vi/crfsuite_model.py).
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import pycrfsuite

from tasks.vi.crfsuite_model import rekey_attributes

_MODEL_FILE = "models/pyvi3.pkl"
_WORDS_FILE = "models/words.txt"
# sklearn_crfsuite keeps the model file's bytes under this key of its FileResource's state.
_FILE_DATA_KEY = "__FILE_RESOURCE_DATA__"
# The only globals pyvi3.pkl references; each is replaced by an inert stand-in except _codecs.encode,
# which protocol 2 uses to store bytes.
_STUBBED = {
    ("sklearn_crfsuite.estimator", "CRF"),
    ("sklearn_crfsuite._fileresource", "FileResource"),
    ("pycrfsuite._logparser", "TrainLogParser"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy", "dtype"),
}


@dataclass(frozen=True)
class PyviModel:
    """pyvi's CRF (an open python-crfsuite Tagger), its attributes, and the n-gram sets its features look up."""

    tagger: pycrfsuite.Tagger
    model_bytes: bytes  # crfsuite reads the model in place: these bytes must outlive the tagger
    # The feature strings the CRF has weights for (it ignores all others), each with the 2-byte name the
    # tagger's model knows it by (tasks/vi/crfsuite_model.py: same weights, cheaper to pass).
    attributes: dict[str, bytes]
    syllable_ids: dict[str, int]  # each syllable of the n-gram lexicon, numbered from 1
    bi_grams: frozenset[int]  # the lexicon's two-syllable lines, as ngram_key of their syllables' ids
    tri_grams: frozenset[int]  # and its three-syllable lines


NGRAM_BITS = 20  # bits of a syllable id in an n-gram key (the lexicon has ~6k distinct syllables)


def ngram_key(ids: Iterable[int]) -> int:
    """The key of an n-gram in PyviModel.bi_grams / tri_grams: its syllables' ids packed NGRAM_BITS apart."""
    key = 0
    for syllable_id in ids:
        key = (key << NGRAM_BITS) | syllable_id
    return key


class _Stub:
    """Stands in for any class or function of the pickle: accepts arguments and state, keeps dict state."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __setstate__(self, state: object) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if (module, name) in _STUBBED:
            return _Stub
        if (module, name) == ("_codecs", "encode"):
            import codecs

            return codecs.encode
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in pyvi's model")


def crf_bytes(model_file: str = _MODEL_FILE) -> bytes:
    """The python-crfsuite model file inside one of pyvi's pickled sklearn_crfsuite CRFs (`model_file`, under pyvi's package)."""
    with resources.files("pyvi").joinpath(model_file).open("rb") as fin:
        crf = _ModelUnpickler(fin).load()
    return crf.modelfile.__dict__[_FILE_DATA_KEY]


def _ngrams() -> tuple[dict[str, int], frozenset[int], frozenset[int]]:
    # As pyvi's ViTokenizer: lines of two syllables are bigrams, of three trigrams, kept as written
    # (pyvi looks up lower-cased text, so a line with a capital never matches, here neither).
    syllable_ids: dict[str, int] = {}
    grams: dict[int, set[int]] = {2: set(), 3: set()}
    for line in resources.files("pyvi").joinpath(_WORDS_FILE).read_text(encoding="utf-8").split("\n"):
        syllables = line.split(" ")
        if len(syllables) in grams:
            ids = [syllable_ids.setdefault(s, len(syllable_ids) + 1) for s in syllables]
            grams[len(syllables)].add(ngram_key(ids))
    if len(syllable_ids) >= 1 << NGRAM_BITS:
        raise ValueError(f"pyvi's lexicon has {len(syllable_ids)} syllables; n-gram keys hold < 2**{NGRAM_BITS}")
    return syllable_ids, frozenset(grams[2]), frozenset(grams[3])


@functools.lru_cache(maxsize=1)
def load_pyvi_model() -> PyviModel:
    """pyvi's segmentation model, loaded on first use and shared by the whole process."""
    model_bytes, attributes = rekey_attributes(crf_bytes())
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model_bytes)
    return PyviModel(tagger, model_bytes, attributes, *_ngrams())
