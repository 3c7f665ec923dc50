"""The `entities` task: PERSON, ORG and MONEY mentions of every document, typed across and linked between translations.

Per document it reads the entity components' output of the shard's spaCy pass (tasks/entities/extract.py);
once the shard is done, each translation group is projected and linked (tasks/entities/links.py) into
`entities` and `entity_links` rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Container
from decimal import Decimal
from typing import Any

from tasks.base import Rows, ShardData, Task
from tasks.entities.extract import add_entity_pipes, entities_of
from tasks.entities.links import GroupDoc, link_group
from tasks.entities.types import Entity, EntityOptions
from tasks.spacy.annotate import Annotated

_AMOUNT_PLACES = Decimal("0.000001")  # the entities table stores amounts as decimal128(38, 6)


def group_key(doc: dict) -> str:
    """The translation group of a documents-table row; a document without group_id is a group of its own."""
    return doc["group_id"] if doc["group_id"] is not None else f"\0{doc['doc_id']}"


def entity_tables(
    documents: list[dict],
    entities_by_doc: dict[str, list[Entity]],
    options: EntityOptions,
    group_of: Callable[[dict], str] = group_key,
    own: Container[str] | None = None,
) -> tuple[list[dict], list[dict]]:
    """The `entities` and `entity_links` rows of a shard: each translation group is projected and linked.

    `documents` are documents-table rows; only those in `entities_by_doc` (doc_id -> its entities) count.
    `group_of` gives a document's group (by default its group_id: `group_key`); with `own`, only the rows
    of those doc_ids are returned (the other documents are members of their groups that other shards hold).
    """
    groups: dict[str, list[dict]] = defaultdict(list)
    for doc in documents:
        if doc["doc_id"] in entities_by_doc:
            groups[group_of(doc)].append(doc)
    ent_rows: list[dict] = []
    link_rows: list[dict] = []
    for members in groups.values():
        group_id = members[0]["group_id"]
        group = [GroupDoc(d["doc_id"], d["lang"], d["text"], entities_by_doc[d["doc_id"]]) for d in members]
        final, links = link_group(group, options)
        for d in members:
            if own is not None and d["doc_id"] not in own:
                continue
            for idx, e in enumerate(final[d["doc_id"]]):
                amount = e.amount.quantize(_AMOUNT_PLACES) if e.amount is not None else None
                ent_rows.append(
                    {
                        "doc_id": d["doc_id"],
                        "group_id": group_id,
                        "lang": d["lang"],
                        "ent_idx": idx,
                        "label": e.label,
                        "start": e.start,
                        "end": e.end,
                        "text": e.text,
                        "norm": e.norm,
                        "amount": amount,
                        "currency": e.currency,
                        "source": e.source,
                        "score": e.score,
                    }
                )
        link_rows += [
            {"group_id": group_id, "link_id": link.link_id, "doc_id": link.doc_id, "ent_idx": link.ent_idx, "lang": link.lang, "norm": link.norm}
            for link in links
            if own is None or link.doc_id in own
        ]
    return ent_rows, link_rows


class EntitiesStep:
    """Collects each document's entities; `finish` projects and links them per translation group."""

    def __init__(self, shard: ShardData, options: EntityOptions) -> None:
        self.shard = shard
        self.options = options
        self.found: dict[str, list[Entity]] = {}

    def document(self, doc: dict, annotated: Annotated) -> Rows:
        self.found[doc["doc_id"]] = entities_of(annotated, doc["lang"], self.options)
        return {}

    def finish(self) -> Rows:
        entities, links = entity_tables(self.shard.documents, self.found, self.options)
        return {"entities": entities, "entity_links": links}


def start(shard: ShardData, options: EntityOptions, corpus: Any = None) -> EntitiesStep:
    """The entities work of one shard."""
    return EntitiesStep(shard, options)


TASK = Task(
    name="entities",
    doc="PERSON, ORG and MONEY mentions (exact amounts), typed across translations and linked between them",
    tables=("entities", "entity_links"),
    start=start,
    options=EntityOptions,
    annotates=True,
    components=add_entity_pipes,
)
