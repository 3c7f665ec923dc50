"""Build and cache one spaCy pipeline per (language, spec) in this process.

A pipeline is loaded lazily the first time a worker needs it and kept for the life of the process,
so it is never pickled with a task. Building follows spaCy's own way: a blank `Language` or an
installed package, plus registered components added by name.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Hashable
from dataclasses import dataclass

import spacy
from spacy.language import Language

from tasks.spacy import line_breaks  # noqa: F401  (registers polycorpus_line_breaks)

log = logging.getLogger(__name__)

# Components of a trained pipeline that entity recognition does not need.
_NOT_NEEDED_FOR_NER = ("tagger", "morphologizer", "parser", "lemmatizer", "attribute_ruler", "senter")


@dataclass(frozen=True)
class LanguageSpec:
    """How to build the pipeline of one language: an installed spaCy package or None for a blank one."""

    model: str | None = None
    user_dict: str | None = None
    max_length: int = 1_000_000


class PipelineError(RuntimeError):
    """A configured pipeline cannot be built (a model package is not installed, say)."""


@functools.lru_cache(maxsize=None)
def get_nlp(lang: str, spec: LanguageSpec, entities: Hashable | None = None) -> Language:
    """The pipeline of `lang` built from `spec`, built once per process and cached.

    With `entities` (the entity task's options) the entity components are added after the
    sentence splitter; without, the pipeline only splits sentences and tokens.
    """
    if spec.model:
        try:
            nlp = spacy.load(spec.model, exclude=list(_NOT_NEEDED_FOR_NER))
        except OSError as exc:
            raise PipelineError(
                f"spaCy model {spec.model!r} for language {lang!r} is not installed; "
                f"install it with pip or set languages.{lang}.model to null in the config"
            ) from exc
        if nlp.lang != lang:
            raise PipelineError(f"model {spec.model!r} is for language {nlp.lang!r}, configured for {lang!r}")
    else:
        nlp = _blank(lang, spec)
    nlp.max_length = max(nlp.max_length, spec.max_length + 1)
    nlp.add_pipe("polycorpus_line_breaks", first=True)
    if lang == "vi":
        from tasks.vi import sentencizer as vi_sentences  # noqa: F401  (registers polycorpus_vi_sentencizer)

        nlp.add_pipe("polycorpus_vi_sentencizer", after="polycorpus_line_breaks")
    else:
        nlp.add_pipe("sentencizer", after="polycorpus_line_breaks")
    if entities is not None:
        from tasks.entities.extract import add_entity_pipes

        add_entity_pipes(nlp, lang, entities)
    log.info("built %s pipeline %s", lang, nlp.pipe_names)
    return nlp


def _blank(lang: str, spec: LanguageSpec) -> Language:
    if lang == "vi":
        from tasks.vi import tokenizer as vi_tokenizer  # noqa: F401  (registers polycorpus.vi_tokenizer.v1)

        tokenizer = {"@tokenizers": "polycorpus.vi_tokenizer.v1", "user_dict": spec.user_dict}
        return spacy.blank("vi", config={"nlp": {"tokenizer": tokenizer}})
    try:
        return spacy.blank(lang)
    except ImportError:
        warnings.warn(f"spaCy has no language {lang!r}; using the multi-language tokenizer", stacklevel=2)
        return spacy.blank("xx")


def check_spec(lang: str, spec: LanguageSpec) -> None:
    """Fail early, before any work is submitted, when `spec` names a model that is not installed."""
    if spec.model and not spacy.util.is_package(spec.model):
        raise PipelineError(
            f"spaCy model {spec.model!r} for language {lang!r} is not installed; "
            f"install it with pip or set languages.{lang}.model to null in the config"
        )
