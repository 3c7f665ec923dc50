"""The configured languages as spaCy pipeline specs, checked before any work: shared by `run` and the in-process line tools.

A language that is not configured still works (a blank pipeline, rule-based entities); every tool
says so once, through `warn_unconfigured`: the line tools for --lang, `run` in this process for the
languages its shards hold (never from the workers, whose output a user may never see).
"""

from __future__ import annotations

import logging

from cluster.config import Config, ConfigError, check_language
from tasks.shard import language_spec as spec_or_blank
from tasks.spacy.pipelines import PipelineError, check_spec, resolve_model
from tasks.spacy.spec import LanguageSpec

log = logging.getLogger(__name__)


def language_specs(config: Config) -> tuple[tuple[str, LanguageSpec], ...]:
    """Every configured language's spec, by language code, `model: auto` resolved; ConfigError when a model it names is not installed."""
    specs = []
    for lang, entry in sorted(config.languages.items()):
        spec = LanguageSpec(
            model=resolve_model(lang, entry.model), user_dict=entry.user_dict, max_length=entry.max_length, hard_wrapped=config.run.hard_wrapped
        )
        try:
            check_spec(lang, spec)
        except PipelineError as exc:
            raise ConfigError(str(exc)) from None
        specs.append((lang, spec))
    return tuple(specs)


def language_spec(config: Config, lang: str, flag: str = "--lang") -> LanguageSpec:
    """The spec of `lang` given with `flag`: the configured one, or a blank pipeline's with a warning; ConfigError for a bad code."""
    check_language(lang, flag)
    if lang not in config.languages:
        warn_unconfigured(lang)
    return spec_or_blank(dict(language_specs(config)), lang)


def warn_unconfigured(lang: str) -> None:
    """The one warning for a language that `languages:` does not list: what it gets instead, and where to add it."""
    log.warning("no pipeline configured for language %r: blank tokenizer, rule-based entities (add it under `languages:` in a --config file)", lang)
