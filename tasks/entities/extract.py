"""The entities step: PERSON, ORG and MONEY mentions of a document, and the entities / entity_links rows of a shard.

A language's spaCy pipeline gets the entity components once per process (`add_entity_pipes`);
`entities_from_doc` reads one processed Doc; `entity_tables` types strings across the translations
of a group and links their mentions (tasks/entity_links.py). The line tool and the shard runner
share `entities_for_texts` / `entities_from_doc`.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import tasks.entities.rules  # noqa: F401  (registers polycorpus_entity_rules and polycorpus_gazetteer)
from tasks.spacy.annotate import Annotated, annotate
from tasks.entities.links import EntityLink, GroupDoc, link_group
from tasks.spacy.pipelines import LanguageSpec, get_nlp

# Models used when the config names none, best first: the first installed one backs NER for the
# language (fr_core_news_md reaches the French targets; fr_core_news_sm does not, see benchmarks/ner_eval.py).
DEFAULT_MODELS: dict[str, tuple[str, ...]] = {"fr": ("fr_core_news_md", "fr_core_news_sm")}
log = logging.getLogger(__name__)
_AMOUNT_PLACES = Decimal("0.000001")  # the entities table stores amounts as decimal128(38, 6)

__all__ = [
    "Entity", "EntityLink", "EntityOptions", "GroupDoc", "add_entity_pipes", "default_spec",
    "entities_for_texts", "entities_from_doc", "entities_of", "entity_record", "entity_tables", "link_group", "normalize",
]


@dataclass(frozen=True)
class EntityOptions:
    """The `entities:` section of the config; the defaults are the shipped behaviour."""

    gazetteer: str | None = None  # a user file (companies.tsv format) extending the shipped gazetteer
    dollar: str = "USD"  # ISO code a bare "dollar" / "$" / "đô la" means, passed to the money policy
    project: bool = True  # type strings across the translations of a group


@dataclass(frozen=True)
class Entity:
    """One mention: code-point offsets into the document text, end exclusive."""

    start: int
    end: int
    label: str
    text: str
    norm: str
    amount: Decimal | None = None
    currency: str | None = None
    source: str = "model"
    score: float | None = None


@functools.lru_cache(maxsize=None)
def default_spec(lang: str) -> LanguageSpec:
    """The LanguageSpec of `lang` when the config gives none: the first installed of DEFAULT_MODELS, else blank."""
    candidates = DEFAULT_MODELS.get(lang, ())
    for i, model in enumerate(candidates):
        if spacy.util.is_package(model):
            if i:
                log.warning("%s is not installed: %s entities use %s, below the accuracy targets", candidates[0], lang, model)
            return LanguageSpec(model=model)
    return LanguageSpec()


def add_entity_pipes(nlp: Language, lang: str, options: EntityOptions) -> None:
    """Add the entity components to `nlp` after its sentence splitter (once; a later call only updates the gazetteer)."""
    if "polycorpus_gazetteer" in nlp.pipe_names:
        if nlp.get_pipe_config("polycorpus_gazetteer").get("extra") != options.gazetteer:
            nlp.replace_pipe("polycorpus_gazetteer", "polycorpus_gazetteer", config={"extra": options.gazetteer})
        return
    nlp.add_pipe("polycorpus_gazetteer", config={"extra": options.gazetteer})
    if lang == "vi":
        from tasks.entities import vi_rules as ner_vi  # noqa: F401  (registers polycorpus_vi_entities)

        nlp.add_pipe("polycorpus_vi_entities")
    else:
        nlp.add_pipe("polycorpus_entity_rules", config={"lang": lang})


def entities_from_doc(doc: Doc, lang: str, options: EntityOptions) -> list[Entity]:
    """The PERSON / ORG / MONEY entities of one processed Doc, sorted by start (offsets into doc.text)."""
    mentions = doc._.entity_mentions
    if mentions is None:
        raise RuntimeError(f"the {lang!r} pipeline has no entity components: call tasks.entities.extract.add_entity_pipes on it")
    text = doc.text
    money = _money(text, lang, options)
    out = [e for e in money]
    for m in mentions:
        if any(m.start < e.end and e.start < m.end for e in money):
            continue
        surface = text[m.start : m.end]
        out.append(Entity(m.start, m.end, m.label, surface, m.norm or normalize(surface), None, None, m.source, m.score))
    return sorted(out, key=lambda e: (e.start, e.end))


def entities_for_texts(texts: Iterable[str], lang: str, options: EntityOptions, spec: LanguageSpec | None = None) -> Iterator[list[Entity]]:
    """Entities of each text, in order, with the per-process pipeline of `lang` (the line tool's engine).

    Texts longer than the pipeline's max_length are processed in chunks, like documents in `run`.
    """
    spec = spec if spec is not None else default_spec(lang)
    nlp = get_nlp(lang, spec, options)
    texts = list(texts)
    for result in annotate(nlp, texts, [False] * len(texts), spec.max_length):
        if not isinstance(result, Annotated):
            raise ValueError(f"the {lang} pipeline failed on a text: {result.error_type}: {result.message}")
        yield entities_of(result, lang, options)


def entities_of(annotated: Annotated, lang: str, options: EntityOptions) -> list[Entity]:
    """The entities of one annotated document, chunk offsets added so they index the whole text."""
    return [
        replace(ent, start=ent.start + offset, end=ent.end + offset)
        for offset, doc in annotated.chunks
        for ent in entities_from_doc(doc, lang, options)
    ]


def entity_tables(documents: list[dict], entities_by_doc: dict[str, list[Entity]], options: EntityOptions | None) -> tuple[list[dict], list[dict]]:
    """The entities and entity_links rows of a shard: each translation group is projected and linked.

    `documents` are documents-table rows; a document without group_id is a group of its own.
    """
    options = options or EntityOptions()
    groups: dict[str, list[dict]] = defaultdict(list)
    for doc in documents:
        if doc["doc_id"] in entities_by_doc:
            groups[doc["group_id"] or f"\0{doc['doc_id']}"].append(doc)
    ent_rows: list[dict] = []
    link_rows: list[dict] = []
    for members in groups.values():
        group_id = members[0]["group_id"]
        group = [GroupDoc(d["doc_id"], d["lang"], d["text"], entities_by_doc[d["doc_id"]]) for d in members]
        final, links = link_group(group, options)
        for d in members:
            for idx, e in enumerate(final[d["doc_id"]]):
                amount = e.amount.quantize(_AMOUNT_PLACES) if e.amount is not None else None
                ent_rows.append(
                    {"doc_id": d["doc_id"], "group_id": group_id, "lang": d["lang"], "ent_idx": idx, "label": e.label,
                     "start": e.start, "end": e.end, "text": e.text, "norm": e.norm, "amount": amount,
                     "currency": e.currency, "source": e.source, "score": e.score}
                )
        link_rows += [
            {"group_id": group_id, "link_id": link.link_id, "doc_id": link.doc_id, "ent_idx": link.ent_idx, "lang": link.lang, "norm": link.norm}
            for link in links
        ]
    return ent_rows, link_rows


def entity_record(entity: Entity) -> dict:
    """One entity as the line tool prints it: amount as a decimal string (or null), score as a float."""
    return {
        "start": entity.start, "end": entity.end, "label": entity.label, "text": entity.text, "norm": entity.norm,
        "amount": f"{entity.amount:f}" if entity.amount is not None else None, "currency": entity.currency,
        "source": entity.source, "score": entity.score,
    }


def normalize(surface: str) -> str:
    """Canonical form of a PERSON / ORG mention: NFC, single spaces, curly apostrophes straightened."""
    text = unicodedata.normalize("NFC", surface).replace("’", "'")
    return " ".join(text.split()).strip(" .,;:")


def _money(text: str, lang: str, options: EntityOptions) -> list[Entity]:
    try:
        from tasks.entities.money import MoneyPolicy, find_money
    except ImportError:
        return []
    out = []
    for m in find_money(text, lang, MoneyPolicy(dollar=options.dollar)):
        norm = f"{m.amount.normalize():f} {m.currency}"
        out.append(Entity(m.start, m.end, "MONEY", m.text, norm, m.amount, m.currency, "rule", 1.0))
    return out
