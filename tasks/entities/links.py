"""Entities across the translations of one group: projection of confidently typed strings, and entity_links.

A PERSON / ORG string typed confidently in one document (by a model, the gazetteer or a strong cue;
never by an alias, a guess or another projection) types the same string in the group's other
documents where it stands as a whole name, not inside a longer capitalized one ("Dương" of "Bắc Băng
Dương" is not projected) (source "projection"). Codes and formulas ("CO2") are never projected, nor
a string the target language lists as a place or as no name, nor a name right after a place noun of
the target language, nor a string its sources leave untyped at most places it stands as a name, nor a
one-word ORG a model typed only once. A mention's norm is its own text or an alias written in
the same language: a lone surname takes the only full name ending with it in a document of the same
language, and a projected mention takes its own text, never the source's norm. Mentions of one entity
are then linked across documents: PERSON / ORG by their norm, or by their gazetteer entry (so "United
Nations" and "Liên Hợp Quốc" link), MONEY by equal amount and currency.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace

from tasks.entities.gazetteer import load_gazetteer
from tasks.entities.rules import cue, cue_index, ends_with_sequence
from tasks.entities.types import Entity, EntityOptions, normalize, overlaps, whole_name, whole_word

PROJECTION_SCORE = 0.6
PROJECTABLE_SCORE = 0.8  # a rule's mention projects from this score on (cues: 0.8-0.9; aliases and guesses lower)


@dataclass(frozen=True)
class GroupDoc:
    """One document of a translation group with its entities (sorted by start)."""

    doc_id: str
    lang: str
    text: str
    entities: list[Entity]


@dataclass(frozen=True)
class EntityLink:
    """One row of entity_links (without group_id): a mention's place in a cross-language cluster."""

    link_id: str
    doc_id: str
    ent_idx: int
    lang: str
    norm: str


def link_group(docs: list[GroupDoc], options: EntityOptions) -> tuple[dict[str, list[Entity]], list[EntityLink]]:
    """Each document's final entities (projections added, sorted by start) and the links between documents."""
    final = project(docs) if options.project else {d.doc_id: sorted(d.entities, key=_order) for d in docs}
    final = _resolve_surnames(final, {d.doc_id: d.lang for d in docs})
    forms, _ = load_gazetteer(options.gazetteer)
    clusters: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for doc in docs:
        for idx, ent in enumerate(final[doc.doc_id]):
            clusters[(ent.label, _key(ent, forms))].append((doc.doc_id, idx))
    langs = {d.doc_id: d.lang for d in docs}
    links = []
    for (label, key), members in sorted(clusters.items()):
        doc_ids = sorted({doc_id for doc_id, _ in members})
        if len(doc_ids) < 2:
            continue
        link_id = hashlib.sha1(f"{label}|{key}|{'|'.join(doc_ids)}".encode()).hexdigest()[:16]
        for doc_id, idx in members:
            links.append(EntityLink(link_id, doc_id, idx, langs[doc_id], final[doc_id][idx].norm))
    return final, links


def extracted(entities: list[Entity]) -> list[Entity]:
    """A document's mentions as extraction gave them, read back from its final entities (`link_group`'s, or its `entities` rows).

    Projections are dropped and a PERSON takes back the norm of its own text: resolving surnames is the only
    step that gives a PERSON another norm (extraction's PERSON norm is `normalize(text)`; only an ORG takes a
    gazetteer name, and keeps it), so `link_group` gives a document's group the same result from these as
    from the extracted mentions, whatever group its final entities came from.
    """
    return [replace(e, norm=normalize(e.text)) if e.label == "PERSON" else e for e in entities if e.source != "projection"]


def project(docs: list[GroupDoc]) -> dict[str, list[Entity]]:
    """The entities of each document plus the confident strings of the other documents found in its text as whole names."""
    typed: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # text -> label -> doc ids
    for doc in docs:
        for ent in doc.entities:
            if ent.label in ("PERSON", "ORG") and _projectable(ent) and len(ent.text) > 1:
                typed[ent.text][ent.label].add(doc.doc_id)
    out = {}
    for doc in docs:
        entities = list(doc.entities)
        for text, labels in typed.items():
            sources = {doc_id for ids in labels.values() for doc_id in ids}
            if len(labels) != 1 or sources == {doc.doc_id}:
                continue  # typed two ways, or only in this document
            (label,) = labels
            if not _projectable_into(text, doc.lang) or not _typed_consistently(text, label, [d for d in docs if d.doc_id in sources]):
                continue
            model = next(e for d in docs for e in d.entities if e.text == text and e.label == label)
            for match in whole_word(text).finditer(doc.text):
                if not whole_name(doc.text, match.start(), match.end()) or _after_place_word(doc.text, match.start(), doc.lang):
                    continue
                projected = replace(model, start=match.start(), end=match.end(), norm=normalize(text), source="projection", score=PROJECTION_SCORE)
                if not any(overlaps(projected, e) for e in entities):
                    entities.append(projected)
        out[doc.doc_id] = sorted(entities, key=_order)
    return out


def _projectable(ent: Entity) -> bool:
    """Typed firmly enough to type the same string in a translation: a model's mention, the gazetteer's or a strong cue's."""
    return ent.source == "model" or (ent.source != "projection" and ent.score is not None and ent.score >= PROJECTABLE_SCORE)


def _typed_consistently(text: str, label: str, sources: list[GroupDoc]) -> bool:
    """Whether the source documents type `text` as `label` at no fewer than half of the places it stands alone as a name.

    A model that types "Titanic" ORG once among five untyped mentions is not confident in that type, and
    projecting it would copy the error into every translation. A one-word name typed by a model alone needs
    two such mentions when it is an ORG (English models type places and products ORG far more often than PERSON).
    """
    typed = [e.source for d in sources for e in d.entities if e.text == text and e.label == label]
    standing = sum(1 for d in sources for m in whole_word(text).finditer(d.text) if whole_name(d.text, m.start(), m.end()))
    if label == "ORG" and " " not in text and set(typed) == {"model"} and len(typed) < 2:
        return False  # a one-word organisation a model typed once: too weak to type every translation ("Zaragoza")
    return 2 * len(typed) >= standing


def _projectable_into(text: str, lang: str) -> bool:
    """Whether a name typed in another document may type the same string in a document in `lang`: not a code or
    formula ("CO2", "MP3"), nor a place or a not-a-name word of that language's cue lists (a "Hà Nội" typed PERSON
    by another language's model stays untyped in Vietnamese)."""
    if any(ch.isdigit() for ch in text):
        return False
    return text not in cue(lang, "places") | cue(lang, "not_entities") | cue(lang, "not_names")


def _after_place_word(text: str, start: int, lang: str) -> bool:
    """Whether a place noun of `lang` stands right before `start` ("thành phố Los Angeles", "sông Mê Kông"): a place, not a person or an organisation."""
    words = text[max(0, start - 30) : start].lower().split()
    return ends_with_sequence(words, cue_index(lang, "place_words"))


def _resolve_surnames(final: dict[str, list[Entity]], langs: dict[str, str]) -> dict[str, list[Entity]]:
    """A one-word PERSON norm becomes the only multi-word PERSON norm ending with that word in the group's documents of its language."""
    full: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc_id, entities in final.items():
        for ent in entities:
            words = ent.norm.split()
            if ent.label == "PERSON" and len(words) >= 2:
                full[(langs[doc_id], words[-1])].add(ent.norm)
    out = {}
    for doc_id, entities in final.items():
        resolved = []
        for e in entities:
            names = full.get((langs[doc_id], e.norm), set())
            resolved.append(replace(e, norm=next(iter(names))) if e.label == "PERSON" and len(names) == 1 else e)
        out[doc_id] = resolved
    return out


def _key(ent: Entity, forms: dict) -> str:
    """What links mentions across documents: MONEY's amount and currency; a name's gazetteer entry, else its norm."""
    if ent.label == "MONEY":
        return f"{ent.amount.normalize():f} {ent.currency}" if ent.amount is not None else ent.norm
    entry = forms.get(ent.text) or forms.get(ent.norm)
    return (entry.name if entry is not None and ent.label == "ORG" else ent.norm).casefold()


def _order(ent: Entity) -> tuple[int, int]:
    return (ent.start, ent.end)
