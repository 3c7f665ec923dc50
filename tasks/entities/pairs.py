"""Entities of the documents the `docalign` task paired, linked as one translation group across shards.

docalign writes each pair once, in its source document's shard, and pairs a document with at most one
document per other language; the pairs of a corpus form a graph whose connected components are the
translation groups docalign found (`pair_groups`: union-find over every pair). Their size is not capped:
pairs that disagree (en1-fr1, fr1-vi1, vi1-en2) chain into one group of any size. A shard then rebuilds the
entities of its documents without a group_id from what the `entities` task wrote: each document's
extracted mentions are read back from its rows (`tasks.entities.links.extracted`), a paired document is
linked with the other members of its pair group (their rows and texts read from their shards), an
unpaired one alone; so a paired document gets projection and entity_links exactly as if its pair group
were a group_id, and a rerun over rows this step wrote gives the same rows again.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from tasks.entities.links import extracted
from tasks.entities.types import Entity

PAIR_GROUPS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("shard", pa.string(), nullable=False),
        pa.field("pair_group", pa.string(), nullable=False),
    ]
)
ENTITY_STAGES = frozenset({"pipeline", "annotate", "entities"})  # errors-table stages after which a document has no entities


@dataclass(frozen=True)
class PairGroups:
    """Every paired document with its shard and pair group (PAIR_GROUPS schema, sorted by doc_id).

    A pair group's name is the first 16 hex digits of the SHA-1 of its members' sorted doc_ids joined by "|".
    """

    table: pa.Table

    def of(self, doc_ids: list[str]) -> dict[str, tuple[str, str]]:
        """doc_id -> (shard, pair group) of those of `doc_ids` that were paired."""
        rows = self.table.filter(pc.is_in(self.table.column("doc_id"), value_set=pa.array(doc_ids, pa.string())))
        return dict(zip(rows.column("doc_id").to_pylist(), zip(rows.column("shard").to_pylist(), rows.column("pair_group").to_pylist())))

    def by_shard(self, shards: Sequence[str]) -> dict[str, PairGroups]:
        """Each of `shards` with the rows of the pair groups of its documents: all its shard step needs."""
        groups_of: dict[str, set[str]] = defaultdict(set)
        rows_of: dict[str, list[int]] = defaultdict(list)
        for i, (shard, group) in enumerate(zip(self.table.column("shard").to_pylist(), self.table.column("pair_group").to_pylist())):
            groups_of[shard].add(group)
            rows_of[group].append(i)
        return {s: PairGroups(self.table.take(pa.array(sorted(i for g in groups_of.get(s, ()) for i in rows_of[g]), pa.int64()))) for s in shards}

    def partners(self, shard: str) -> list[tuple[str, str]]:
        """(shard, doc_id) of the members, in other shards, of the pair groups of `shard`'s documents."""
        here = pc.equal(self.table.column("shard"), shard)
        groups = self.table.filter(here).column("pair_group").combine_chunks()
        rows = self.table.filter(pc.and_(pc.is_in(self.table.column("pair_group"), value_set=groups), pc.invert(here)))
        return list(zip(rows.column("shard").to_pylist(), rows.column("doc_id").to_pylist()))


def pair_groups(pairs: pa.Table) -> PairGroups:
    """The connected components of document pairs (src_doc_id, tgt_doc_id, src_shard, tgt_shard columns), by union-find."""
    parent: dict[str, str] = {}

    def root(doc: str) -> str:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    shards: dict[str, str] = {}
    columns = (pairs.column(c).to_pylist() for c in ("src_doc_id", "tgt_doc_id", "src_shard", "tgt_shard"))
    for src, tgt, src_shard, tgt_shard in zip(*columns):
        shards[src], shards[tgt] = src_shard, tgt_shard
        parent.setdefault(src, src)
        parent.setdefault(tgt, tgt)
        a, b = root(src), root(tgt)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = defaultdict(list)
    for doc in sorted(parent):
        members[root(doc)].append(doc)
    names = {r: hashlib.sha1("|".join(docs).encode()).hexdigest()[:16] for r, docs in members.items()}
    rows = [{"doc_id": doc, "shard": shards[doc], "pair_group": names[root(doc)]} for doc in sorted(parent)]
    return PairGroups(pa.Table.from_pylist(rows, schema=PAIR_GROUPS))


def extracted_by_doc(documents: list[dict], entities: pa.Table, errors: pa.Table) -> dict[str, list[Entity]]:
    """doc_id -> the mentions extraction gave each of `documents` (documents-table rows), read back from its `entities` rows.

    A document with an error at a stage that leaves it without entities (ENTITY_STAGES) is left out,
    as the `entities` task leaves it out of its groups; every other document is in, with no mentions if it has no rows.
    """
    failed = {doc for doc, stage in zip(errors.column("doc_id").to_pylist(), errors.column("stage").to_pylist()) if stage in ENTITY_STAGES}
    rows: dict[str, list[dict]] = defaultdict(list)
    for row in entities.sort_by([("doc_id", "ascending"), ("ent_idx", "ascending")]).to_pylist():
        rows[row["doc_id"]].append(row)
    return {
        d["doc_id"]: extracted(
            [Entity(r["start"], r["end"], r["label"], r["text"], r["norm"], r["amount"], r["currency"], r["source"], r["score"]) for r in rows[d["doc_id"]]]
        )
        for d in documents
        if d["doc_id"] not in failed
    }


def members_in_order(own: list[dict], partners: list[dict], where: Mapping[str, tuple[str, str]], shard: str) -> list[dict]:
    """The shard's documents and their partners (documents-table rows) ordered by shard, then place in it: the same order in every member's shard."""
    placed = [((shard, i), d) for i, d in enumerate(own)] + [((where[d["doc_id"]][0], i), d) for i, d in enumerate(partners)]
    return [d for _, d in sorted(placed, key=lambda p: p[0])]
