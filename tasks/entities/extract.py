"""PERSON, ORG and MONEY mentions of documents: the entity components of a pipeline, and entities of processed Docs.

`add_entity_pipes` gives a language's spaCy pipeline the entity components (the gazetteer matcher, then
the rules of tasks/entities/rules.py or, for Vietnamese, tasks/entities/vi_rules.py);
`entities_from_doc` reads one processed Doc, adding MONEY from tasks/entities/money.py. The `entities`
task (tasks/steps/entities.py) and the line tool (`entities_for_texts`) share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc

from tasks.entities.money import MoneyPolicy, find_money
from tasks.entities.types import Entity, EntityOptions, normalize, overlaps, whole_word
from tasks.spacy.annotate import Annotated, annotate
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.sentence_starts import doc_text
from tasks.spacy.spec import LanguageSpec

# The component that types PERSON / ORG for a language after the gazetteer; any other language uses the cue rules.
ENTITY_COMPONENTS = {"vi": "polycorpus_vi_entities"}


def add_entity_pipes(nlp: Language, lang: str, options: EntityOptions) -> None:
    """Add the entity components to `nlp` after its sentence splitter: the gazetteer, then the language's PERSON / ORG rules."""
    nlp.add_pipe("polycorpus_gazetteer", config={"extra": options.gazetteer})
    if lang in ENTITY_COMPONENTS:
        nlp.add_pipe(ENTITY_COMPONENTS[lang])
    else:
        nlp.add_pipe("polycorpus_entity_rules", config={"lang": lang})


def entities_from_doc(doc: Doc, lang: str, options: EntityOptions) -> list[Entity]:
    """The PERSON / ORG / MONEY entities of one processed Doc, sorted by start (offsets into doc.text)."""
    mentions = doc._.entity_mentions
    if mentions is None:
        raise RuntimeError(f"the {lang!r} pipeline has no entity components: call tasks.entities.extract.add_entity_pipes on it")
    text = doc_text(doc)
    money = _money(text, lang, options)
    out = list(money)
    for m in mentions:
        if any(overlaps(m, e) for e in money):
            continue
        surface = text[m.start : m.end]
        out.append(Entity(m.start, m.end, m.label, surface, _norm(surface, m.norm, text), None, None, m.source, m.score))
    return sorted(out, key=lambda e: (e.start, e.end))


def entities_for_texts(texts: Iterable[str], lang: str, options: EntityOptions, spec: LanguageSpec, batch_size: int) -> Iterator[list[Entity]]:
    """Entities of each text, in order, with the per-process pipeline of `lang` built from `spec` (the line tool's engine).

    Texts longer than spec.max_length are processed in chunks, like documents in `run`. Raises ValueError
    when the pipeline fails on a text.
    """
    nlp = get_nlp(lang, spec, ((add_entity_pipes, options),))
    texts = list(texts)
    for result in annotate(nlp, texts, [False] * len(texts), spec.max_length, batch_size):
        if not isinstance(result, Annotated):
            raise ValueError(f"the {lang} pipeline failed on a text: {result.error_type}: {result.message}")
        yield entities_of(result, lang, options)


def entities_of(annotated: Annotated, lang: str, options: EntityOptions) -> list[Entity]:
    """The entities of one annotated document, chunk offsets added so they index the whole text."""
    return [replace(ent, start=ent.start + offset, end=ent.end + offset) for offset, doc in annotated.chunks for ent in entities_from_doc(doc, lang, options)]


def entity_record(entity: Entity) -> dict:
    """One entity as the line tool prints it: amount as a decimal string (or null), score as a float."""
    return {
        "start": entity.start,
        "end": entity.end,
        "label": entity.label,
        "text": entity.text,
        "norm": entity.norm,
        "amount": f"{entity.amount:f}" if entity.amount is not None else None,
        "currency": entity.currency,
        "source": entity.source,
        "score": entity.score,
    }


def _norm(surface: str, canonical: str | None, text: str) -> str:
    """A mention's norm: its own text, or its gazetteer name when that name is written in the same document.

    Never a name the document does not contain (an alias in another language, a longer official name).
    """
    own = normalize(surface)
    return canonical if canonical and canonical != own and whole_word(canonical).search(text) else own


def _money(text: str, lang: str, options: EntityOptions) -> list[Entity]:
    out = []
    for m in find_money(text, lang, MoneyPolicy(dollar=options.dollar)):
        norm = f"{m.amount.normalize():f} {m.currency}"
        out.append(Entity(m.start, m.end, "MONEY", m.text, norm, m.amount, m.currency, "rule", 1.0))
    return out
