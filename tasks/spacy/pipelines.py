"""Build and cache one spaCy pipeline per (language, spec, task components) in this process.

A pipeline is loaded lazily the first time a worker needs it and kept for the life of the process,
so it is never pickled with a task. Building follows spaCy's own way: a blank `Language` or an
installed package, the sentence components, then the components tasks add (`Task.components`), all
registered once by tasks/spacy/factories.py. Languages are data: SENTENCIZERS and TOKENIZERS name
what differs from spaCy's defaults.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.language import Language

from tasks.spacy.factories import register_factories

log = logging.getLogger(__name__)

# Components of a trained pipeline that no task reads; "ner" and its "tok2vec" serve only components
# that tasks add (the entity rules read the model's entities), so a pipeline without such components drops them too.
_NEVER_NEEDED = ("tagger", "morphologizer", "parser", "lemmatizer", "attribute_ruler", "senter")
_FOR_TASK_COMPONENTS = ("ner", "tok2vec")
# The sentence splitter of a language when it is not spaCy's rule-based "sentencizer".
SENTENCIZERS = {"vi": "polycorpus_vi_sentencizer"}
# The registered tokenizer of a blank pipeline when it is not spaCy's own for the language.
TOKENIZERS = {"vi": "polycorpus.vi_tokenizer.v1"}
# spaCy languages whose tokenizer needs a package spaCy does not install (spacy/lang/<lang>/__init__.py), and how to get it.
TOKENIZER_PACKAGES = {
    "ja": "SudachiPy and its dictionary: pip install sudachipy sudachidict_core",
    "ko": "mecab-ko, mecab-ko-dic and natto-py: pip install natto-py, plus the mecab-ko library and dictionary (not on pip)",
    "th": "PyThaiNLP: pip install pythainlp",
}
DEFAULT_MAX_LENGTH = 1_000_000  # characters per spaCy call; longer documents are processed in chunks
# A task's spaCy components: (function adding them to a pipeline, the task's options), hashable as a cache key.
Components = tuple[Callable[[Language, str, Any], None], Any]


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


class PipelineError(RuntimeError):
    """A configured pipeline cannot be built (a model package is not installed, say)."""


@functools.cache
def get_nlp(lang: str, spec: LanguageSpec, components: tuple[Components, ...] = ()) -> Language:
    """The pipeline of `lang` built from `spec`, then each task's `components`, once per process and cached.

    Without components the pipeline only splits sentences and tokens. Raises PipelineError when the
    spec's model is not installed or is for another language.
    """
    register_factories()
    if spec.model:
        exclude = list(_NEVER_NEEDED) + ([] if components else list(_FOR_TASK_COMPONENTS))
        try:
            nlp = spacy.load(spec.model, exclude=exclude)
        except OSError as exc:
            raise PipelineError(_not_installed(lang, spec.model)) from exc
        if nlp.lang != lang:
            raise PipelineError(f"model {spec.model!r} is for language {nlp.lang!r}, configured for {lang!r}")
    else:
        nlp = _blank(lang, spec)
    nlp.max_length = max(nlp.max_length, spec.max_length + 1)
    nlp.add_pipe("polycorpus_line_breaks", first=True, config={"hard_wrapped": spec.hard_wrapped})
    nlp.add_pipe(SENTENCIZERS.get(lang, "sentencizer"), after="polycorpus_line_breaks")
    for add, options in components:
        add(nlp, lang, options)
    log.info("built %s pipeline %s", lang, nlp.pipe_names)
    return nlp


def _blank(lang: str, spec: LanguageSpec) -> Language:
    if lang in TOKENIZERS:
        tokenizer = {"@tokenizers": TOKENIZERS[lang], "user_dict": spec.user_dict}
        return spacy.blank(lang, config={"nlp": {"tokenizer": tokenizer}})
    try:
        spacy.util.get_lang_class(lang)
    except ImportError:
        warnings.warn(f"spaCy has no language {lang!r}; using the multi-language tokenizer", stacklevel=2)
        return spacy.blank("xx")
    try:
        return spacy.blank(lang)
    except ImportError as exc:  # spaCy has the language, but its tokenizer needs a package spaCy does not install
        needs = TOKENIZER_PACKAGES.get(lang, f"the package named here ({str(exc).splitlines()[0]})")
        warnings.warn(
            f"spaCy's {lang!r} tokenizer needs {needs}; until it is installed, {lang!r} text is split by the multi-language "
            "tokenizer, at spaces and punctuation only",
            stacklevel=2,
        )
        return spacy.blank("xx")


def _not_installed(lang: str, model: str) -> str:
    return f"spaCy model {model!r} for language {lang!r} is not installed; install it with pip or set languages.{lang}.model to null in the config"


def check_spec(lang: str, spec: LanguageSpec) -> None:
    """Fail early, before any work is submitted, when `spec` names a model that is not installed (PipelineError)."""
    if spec.model and not spacy.util.is_package(spec.model):
        raise PipelineError(_not_installed(lang, spec.model))
