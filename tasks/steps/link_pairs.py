"""The `link_pairs` task: projection and entity_links for the documents the `docalign` task paired, across shards.

It runs after `entities` and `docalign` whenever both run (it is `implied` by them); its hash follows
the pairs docalign saved (their digest), not docalign's options, so a rerun that pairs the same way
keeps its rows. Its corpus step maps each
shard to its `document_pairs` rows and joins them into pair groups (tasks/entities/pairs.py), kept in
OUT/pair_groups/; each shard's step then reads its own `entities`, `entity_links` and `errors` with the
`entities` rows, `errors` rows and documents of its pair groups' other members from their shards, and
rewrites its `entities` and `entity_links`: the rows of documents with a group_id as they were, those of
the documents without one rebuilt, a paired document linked with its pair group as if that were a group_id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tasks.base import CorpusStep, Handle, MapReduce, Rows, ShardData, Task
from tasks.entities.pairs import PAIR_GROUPS, PairGroups, extracted_by_doc, members_in_order, pair_groups
from tasks.entities.types import EntityOptions
from tasks.spacy.annotate import Annotated
from tasks.steps.entities import entity_tables, group_key

CORPUS_TABLE = "pair_groups"  # OUT/pair_groups/: every paired document with its shard and pair group
_EDGES = ["src_doc_id", "tgt_doc_id", "src_shard", "tgt_shard"]


def shard_pairs(shard: ShardData, options: EntityOptions) -> pa.Table:
    """The map: the shard's document_pairs rows (the pairs whose source it holds), their ids and shards only."""
    return shard.inputs["document_pairs"].select(_EDGES)


def join_pairs(mr: MapReduce, mapped: list[Handle], options: EntityOptions) -> PairGroups:
    """The pair groups of every shard's pairs (a few dozen bytes per paired document, here)."""
    tables = [mr.gather(h) for h in mapped]
    return pair_groups(pa.concat_tables(tables) if tables else pa.table({c: pa.array([], pa.string()) for c in _EDGES}))


def partner_documents(shard: str, inputs: Mapping[str, pa.Table], groups: PairGroups | None) -> list[tuple[str, str]]:
    """(shard, doc_id) of the other members of the shard's pair groups; none while the corpus step maps."""
    return groups.partners(shard) if groups is not None else []


class LinkPairsStep:
    """Rebuilds the shard's entity rows of documents without a group_id once the shard is read: nothing per document."""

    def __init__(self, shard: ShardData, options: EntityOptions, groups: PairGroups) -> None:
        self.shard, self.options, self.groups = shard, options, groups

    def document(self, doc: dict, annotated: Annotated) -> Rows:
        return {}

    def finish(self) -> Rows:
        inputs = self.shard.inputs
        own = [d for d in self.shard.documents if d["group_id"] is None]
        own_ids = {d["doc_id"] for d in own}
        grouped = {d["doc_id"] for d in self.shard.documents} - own_ids
        partners = inputs["documents"].to_pylist()
        where = self.groups.of([d["doc_id"] for d in [*own, *partners]])
        members = members_in_order(own, partners, where, self.shard.shard)
        found = extracted_by_doc(members, inputs["entities"], inputs["errors"])
        entities, links = entity_tables(members, found, self.options, lambda d: where[d["doc_id"]][1] if d["doc_id"] in where else group_key(d), own_ids)
        return {
            "entities": _rows_of(inputs["entities"], grouped) + entities,
            "entity_links": _rows_of(inputs["entity_links"], grouped) + links,
        }


def _rows_of(table: pa.Table, doc_ids: set[str]) -> list[dict]:
    return table.filter(pc.is_in(table.column("doc_id"), value_set=pa.array(sorted(doc_ids), pa.string()))).to_pylist()


def start(shard: ShardData, options: EntityOptions, groups: PairGroups) -> LinkPairsStep:
    """The link_pairs work of one shard, with the corpus's pair groups."""
    return LinkPairsStep(shard, options, groups)


def save(groups: PairGroups) -> tuple[pa.Table, dict]:
    """The corpus value as its table; no meta."""
    return groups.table, {}


def load(table: pa.Table, meta: dict[str, Any]) -> PairGroups:
    """The corpus value read back from OUT/pair_groups/."""
    return PairGroups(table)


TASK = Task(
    name="link_pairs",
    doc="projection and entity_links between the documents docalign paired, across shards (runs with entities and docalign)",
    tables=("entities", "entity_links"),
    start=start,
    options=EntityOptions,
    options_of="entities",
    requires=("entities",),
    reads=("entities", "entity_links", "errors", "document_pairs"),
    partners=("documents", "entities", "errors"),
    partner_documents=partner_documents,
    corpus=CorpusStep(table=CORPUS_TABLE, map=shard_pairs, run=join_pairs, save=save, load=load, by_shard=PairGroups.by_shard),
    implied=("entities", "docalign"),
    schemas={CORPUS_TABLE: PAIR_GROUPS},
)
