"""Entities across the translations of one group: projection of confidently typed strings, and entity_links.

A PERSON / ORG string typed confidently in one document (by a model, the gazetteer or a strong rule)
types the same string in the group's other documents (source "projection"). Mentions of one
entity are then linked across documents: PERSON / ORG by their canonical form (a lone surname
counts as the group's full name that ends with it), MONEY by equal amount and currency.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace

from tasks.entities.rules import is_confident
from tasks.entities.types import Entity, EntityOptions, overlaps, whole_word

PROJECTION_SCORE = 0.6


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
    final = _resolve_surnames(final)
    clusters: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for doc in docs:
        for idx, ent in enumerate(final[doc.doc_id]):
            clusters[(ent.label, _key(ent))].append((doc.doc_id, idx))
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


def project(docs: list[GroupDoc]) -> dict[str, list[Entity]]:
    """The entities of each document plus the confident strings of the other documents found in its text."""
    typed: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # text -> label -> doc ids
    for doc in docs:
        for ent in doc.entities:
            if ent.label in ("PERSON", "ORG") and is_confident(ent.source, ent.score) and len(ent.text) > 1:
                typed[ent.text][ent.label].add(doc.doc_id)
    out = {}
    for doc in docs:
        entities = list(doc.entities)
        for text, labels in typed.items():
            sources = {doc_id for ids in labels.values() for doc_id in ids}
            if len(labels) != 1 or sources == {doc.doc_id}:
                continue  # typed two ways, or only in this document
            (label,) = labels
            model = next(e for d in docs for e in d.entities if e.text == text and e.label == label)
            for match in whole_word(text).finditer(doc.text):
                projected = replace(model, start=match.start(), end=match.end(), source="projection", score=PROJECTION_SCORE)
                if not any(overlaps(projected, e) for e in entities):
                    entities.append(projected)
        out[doc.doc_id] = sorted(entities, key=_order)
    return out


def _resolve_surnames(final: dict[str, list[Entity]]) -> dict[str, list[Entity]]:
    """A one-word PERSON norm becomes the group's only multi-word PERSON norm ending with that word."""
    full: dict[str, set[str]] = defaultdict(set)
    for entities in final.values():
        for ent in entities:
            words = ent.norm.split()
            if ent.label == "PERSON" and len(words) >= 2:
                full[words[-1]].add(ent.norm)
    out = {}
    for doc_id, entities in final.items():
        out[doc_id] = [replace(e, norm=next(iter(full[e.norm]))) if e.label == "PERSON" and len(full.get(e.norm, ())) == 1 else e for e in entities]
    return out


def _key(ent: Entity) -> str:
    if ent.label == "MONEY":
        return f"{ent.amount.normalize():f} {ent.currency}" if ent.amount is not None else ent.norm
    return ent.norm.casefold()


def _order(ent: Entity) -> tuple[int, int]:
    return (ent.start, ent.end)
