"""Every spaCy factory, tokenizer and Doc extension of polycorpus, registered once by `register_factories()`.

spaCy's own pattern (spacy/pipeline/factories.py): no component registers itself when its module is
imported. Each factory here imports its component lazily, so registering is cheap. Other projects'
spaCy configs can name these once polycorpus is installed: setup.cfg lists every factory and the
tokenizer as spaCy entry points, which point into this module; importing it registers them all.

Factories: polycorpus_line_breaks, polycorpus_vi_sentencizer, polycorpus_gazetteer,
polycorpus_entity_rules, polycorpus_vi_entities. Tokenizer: polycorpus.vi_tokenizer.v1.
Doc extensions: lines_are_sentences, text (the tokenizer's input, see tasks/spacy/sentence_starts.doc_text),
companies, entity_mentions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

_registered = False


def make_line_breaks(nlp: Language, name: str, hard_wrapped: bool) -> Callable[[Doc], Doc]:
    """A line break ends a sentence; for `hard_wrapped` input only a blank line does (tasks/spacy/line_breaks.py)."""
    from tasks.spacy.line_breaks import LineBreaks

    return LineBreaks(hard_wrapped)


def make_vi_sentencizer(nlp: Language, name: str) -> Any:
    """Vietnamese sentence boundaries from punctuation and lines (tasks/vi/sentencizer.py)."""
    from tasks.vi.sentencizer import VietnameseSentencizer

    return VietnameseSentencizer()


def make_gazetteer(nlp: Language, name: str, extra: str | None) -> Any:
    """The company gazetteer matcher; `extra` is a user file extending the shipped list (tasks/entities/gazetteer.py)."""
    from tasks.entities.gazetteer import GazetteerMatcher

    return GazetteerMatcher(extra)


def make_entity_rules(nlp: Language, name: str, lang: str | None) -> Any:
    """PERSON / ORG from a model's entities, cues and the gazetteer, with the cue lists of `lang` (default: nlp.lang)."""
    from tasks.entities.rules import EntityRules

    return EntityRules(lang or nlp.lang, has_model=nlp.has_pipe("ner"))


def make_vi_entities(nlp: Language, name: str) -> Any:
    """Vietnamese PERSON / ORG from pyvi POS tags, cues and the gazetteer (tasks/entities/vi_rules.py)."""
    from tasks.entities.vi_rules import ViEntities

    return ViEntities()


def create_vi_tokenizer(user_dict: str | None = None) -> Callable[[Language], Any]:
    """The Vietnamese word tokenizer; `user_dict` is a file of words that must stay one token each (tasks/vi/tokenizer.py)."""
    from tasks.vi.tokenizer import create_vi_tokenizer as create

    return create(user_dict)


def register_factories() -> None:
    """Register every factory, the tokenizer and the Doc extensions with spaCy (idempotent)."""
    global _registered
    if _registered:
        return
    _registered = True
    for extension, default in (("lines_are_sentences", False), ("text", None), ("companies", None), ("entity_mentions", None)):
        if not Doc.has_extension(extension):
            Doc.set_extension(extension, default=default)
    Language.factory("polycorpus_line_breaks", default_config={"hard_wrapped": False}, func=make_line_breaks)
    Language.factory("polycorpus_vi_sentencizer", func=make_vi_sentencizer)
    Language.factory("polycorpus_gazetteer", default_config={"extra": None}, func=make_gazetteer)
    Language.factory("polycorpus_entity_rules", default_config={"lang": None}, func=make_entity_rules)
    Language.factory("polycorpus_vi_entities", func=make_vi_entities)
    spacy.registry.tokenizers("polycorpus.vi_tokenizer.v1", func=create_vi_tokenizer)


register_factories()  # entry points import this module: that import must register (spaCy's Language.__init__ does the same)
