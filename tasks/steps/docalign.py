"""The `docalign` task: pairs documents without a group_id that are translations of each other, across shards.

Its corpus step (tasks/docalign/corpus.py) maps `shard_anchors` over the shards and pairs the documents
on the cluster (anchor hash join, scores, one-to-one assignment, lexicon bootstrap); the value is kept
in OUT/docalign/. Each shard's step then writes the pairs whose source document it holds to
`document_pairs`, which the `align` task reads to align the sentences of those pairs too.
"""

from __future__ import annotations

import pyarrow as pa

from corpus.schemas import SCHEMAS
from tasks.base import CorpusStep, Rows, ShardData, Task
from tasks.docalign.corpus import DocumentPairs, pair_documents, shard_anchors
from tasks.docalign.options import DocalignOptions
from tasks.spacy.annotate import Annotated

CORPUS_TABLE = "docalign"  # OUT/docalign/: every pair of the run in one table, and the run's pairing meta


class DocalignStep:
    """Writes the shard's share of the corpus pairs: nothing per document."""

    def __init__(self, shard: ShardData, found: DocumentPairs) -> None:
        self.shard, self.found = shard, found

    def document(self, doc: dict, annotated: Annotated) -> Rows:
        return {}

    def finish(self) -> Rows:
        return {"document_pairs": self.found.rows_of_shard(self.shard.shard)}


def start(shard: ShardData, options: DocalignOptions, found: DocumentPairs) -> DocalignStep:
    """The docalign work of one shard, with the pairs found over the corpus."""
    return DocalignStep(shard, found)


def save(found: DocumentPairs) -> tuple[pa.Table, dict]:
    """The corpus value as the pairs table and its meta."""
    return found.pairs, found.meta


def load(table: pa.Table, meta: dict) -> DocumentPairs:
    """The corpus value read back from OUT/docalign/."""
    return DocumentPairs(table, {k: v for k, v in meta.items() if k != "task_hash"})


TASK = Task(
    name="docalign",
    doc="pairs documents without a group_id that are translations (anchor hash join, idf scores, one-to-one), for align",
    tables=("document_pairs",),
    start=start,
    options=DocalignOptions,
    corpus=CorpusStep(table=CORPUS_TABLE, map=shard_anchors, run=pair_documents, save=save, load=load, by_shard=DocumentPairs.by_shard),
    schemas={CORPUS_TABLE: SCHEMAS["document_pairs"]},
)
