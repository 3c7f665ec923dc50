"""The `align` task: sentence alignment between the translations of each group, with a lexicon learned over the corpus.

Its corpus step maps `first_pass` over the shards and learns the IBM-1 lexicons (tasks/align/corpus.py),
kept in OUT/lexicon/; each shard's step then aligns its document pairs with them: its translation groups,
and the pairs the `docalign` task found (`document_pairs`; the runner adds the partners' sentences from
their shards).
"""

from __future__ import annotations

from tasks.align.corpus import (
    Lexicon,
    Pair,
    SentencePairs,
    alignment_rows,
    first_pass,
    group_pairs,
    learn_lexicons,
    lexicons_from_table,
    lexicons_to_table,
)
from tasks.align.lexicon import FORMAT
from tasks.align.options import AlignOptions
from tasks.base import CorpusStep, Rows, ShardData, Task
from tasks.spacy.annotate import Annotated


def shard_first_pass(shard: ShardData, options: AlignOptions) -> dict[Pair, SentencePairs]:
    """The confident sentence pairs of one shard as word ids (the corpus step's map)."""
    return first_pass(group_pairs(shard.documents, shard.inputs["sentences"], options, shard.inputs["document_pairs"]), options)


class AlignStep:
    """Aligns the shard's document pairs once the shard is read: nothing per document."""

    def __init__(self, shard: ShardData, options: AlignOptions, lexicons: dict[Pair, Lexicon]) -> None:
        self.shard, self.options, self.lexicons = shard, options, lexicons

    def document(self, doc: dict, annotated: Annotated) -> Rows:
        return {}

    def finish(self) -> Rows:
        pairs = group_pairs(self.shard.documents, self.shard.inputs["sentences"], self.options, self.shard.inputs["document_pairs"])
        return {"alignments": alignment_rows(pairs, self.lexicons, self.options)}


def start(shard: ShardData, options: AlignOptions, lexicons: dict[Pair, Lexicon]) -> AlignStep:
    """The align work of one shard, with the corpus lexicons."""
    return AlignStep(shard, options, lexicons)


TASK = Task(
    name="align",
    doc="sentence alignment (beads) between the translations of each group, Moore 2002 with a corpus IBM-1 lexicon",
    tables=("alignments",),
    start=start,
    options=AlignOptions,
    requires=("tokenize",),
    reads=("sentences", "document_pairs"),
    partners=("sentences",),
    corpus=CorpusStep(table="lexicon", map=shard_first_pass, run=learn_lexicons, save=lexicons_to_table, load=lexicons_from_table, version=FORMAT),
)
