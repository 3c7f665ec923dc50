"""The entities step's rows: each document's entities, projected across its group, as `entities` and `entity_links` rows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tasks.entities import Entity, EntityOptions
from tasks.entity_links import GroupDoc, link_group


def entity_tables(documents: list[dict], entities_by_doc: dict[str, list[Entity]], options: EntityOptions) -> tuple[list[dict], list[dict]]:
    """`entities` and `entity_links` rows of a shard; translations of a group (all in this shard) are linked together."""
    groups: dict[Any, list[dict]] = defaultdict(list)
    for doc in documents:
        if doc["doc_id"] in entities_by_doc:
            groups[doc["group_id"] or ("\x00", doc["doc_id"])].append(doc)
    entity_rows: list[dict] = []
    link_rows: list[dict] = []
    for key, members in groups.items():
        group_id = doc_group = members[0]["group_id"]
        final, links = link_group(
            [GroupDoc(d["doc_id"], d["lang"], d["text"], entities_by_doc[d["doc_id"]]) for d in members], options
        )
        for doc in members:
            for idx, ent in enumerate(final[doc["doc_id"]]):
                entity_rows.append(
                    {
                        "doc_id": doc["doc_id"],
                        "group_id": doc_group,
                        "lang": doc["lang"],
                        "ent_idx": idx,
                        "label": ent.label,
                        "start": ent.start,
                        "end": ent.end,
                        "text": ent.text,
                        "norm": ent.norm,
                        "amount": ent.amount,
                        "currency": ent.currency,
                        "source": ent.source,
                        "score": ent.score,
                    }
                )
        for link in links:
            link_rows.append({"group_id": group_id, "link_id": link.link_id, "doc_id": link.doc_id, "ent_idx": link.ent_idx, "lang": link.lang, "norm": link.norm})
    return entity_rows, link_rows
