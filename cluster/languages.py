"""The configured languages as spaCy pipeline specs, checked before any work: shared by `run` and the in-process line tools."""

from __future__ import annotations

from cluster.config import Config, ConfigError
from tasks.spacy.pipelines import LanguageSpec, PipelineError, check_spec


def language_spec(config: Config, lang: str) -> LanguageSpec:
    """The pipeline spec of `lang` from the config (a blank pipeline's for an unlisted language); ConfigError when its model is not installed."""
    entry = config.languages.get(lang)
    spec = LanguageSpec(model=entry.model, user_dict=entry.user_dict, max_length=entry.max_length) if entry is not None else LanguageSpec()
    try:
        check_spec(lang, spec)
    except PipelineError as exc:
        raise ConfigError(str(exc)) from None
    return spec


def language_specs(config: Config) -> tuple[tuple[str, LanguageSpec], ...]:
    """Every configured language's checked spec, by language code."""
    return tuple((lang, language_spec(config, lang)) for lang in sorted(config.languages))
