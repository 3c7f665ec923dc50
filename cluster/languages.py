"""The configured languages as spaCy pipeline specs, checked before any work: shared by `run` and the in-process line tools."""

from __future__ import annotations

from cluster.config import Config, ConfigError, check_language
from tasks.shard import language_spec as spec_or_blank
from tasks.spacy.pipelines import LanguageSpec, PipelineError, check_spec


def language_specs(config: Config) -> tuple[tuple[str, LanguageSpec], ...]:
    """Every configured language's spec, by language code; ConfigError when a model it names is not installed."""
    specs = []
    for lang, entry in sorted(config.languages.items()):
        spec = LanguageSpec(model=entry.model, user_dict=entry.user_dict, max_length=entry.max_length, hard_wrapped=config.run.hard_wrapped)
        try:
            check_spec(lang, spec)
        except PipelineError as exc:
            raise ConfigError(str(exc)) from None
        specs.append((lang, spec))
    return tuple(specs)


def language_spec(config: Config, lang: str) -> LanguageSpec:
    """The spec of `lang` given with --lang: the configured one, or a blank pipeline's with a warning; ConfigError for a bad code."""
    check_language(lang, "--lang")
    return spec_or_blank(dict(language_specs(config)), lang)
