"""The options of the `docalign` task (its `docalign:` config section); the defaults are the shipped behaviour."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.align.options import read_dictionary
from tasks.base import OptionError, option

RESTRICTIONS = ("source",)


@dataclass(frozen=True)
class DocalignOptions:
    """How documents are paired: anchor caps, score weights, the threshold and the lexicon bootstrap."""

    min_score: float = option(0.08, "pairs whose score (similarity minus the documents' background, 0..1) is below this are not written")
    neighbours: int = option(3, "other candidates whose mean similarity is a document's background")
    max_postings: int = option(80, "an anchor found in more documents than this is dropped (bounds candidates per document)")
    candidates: int = option(10, "best candidates kept per source document before the one-to-one assignment")
    min_number: int = option(2, "numbers with fewer characters than this (after normalisation) are not anchors")
    lexical_weight: float = option(1.0, "weight of a lexicon word pair relative to a number, date, URL or name anchor")
    prior: float = option(3.0, "anchors' worth of weight added to each document's norm, so that scant evidence scores low")
    length_weight: float = option(0.5, "weight of the length-ratio factor; 0 ignores lengths")
    length_sigma: float = option(0.5, "standard deviation of log(target/source length) until it is learned")
    confident_score: float = option(0.2, "pairs at or above this score train the lexicon and the length model")
    lexicon_pairs: int = option(100, "most confident document pairs per language pair the lexicon learns from")
    lexicon_min_prob: float = option(0.2, "lexicon translations below this probability make no anchor")
    lexicon_translations: int = option(3, "translations per word, most probable first, that make anchors")
    em_iterations: int = option(3, "IBM-1 EM iterations of the bootstrap lexicon")
    rescore: bool = option(True, "learn a lexicon on the confident pairs and pair again with its word pairs as anchors")
    dictionary: str | None = option(None, "a bilingual dictionary file, `source<TAB>target` per line, added to the lexicon")
    restrict: str | None = option(None, "'source': only documents with the same `source` value can pair; null: no restriction")
    buckets: int = option(0, "partitions of the anchor join and of the candidates; 0 sizes them by data (`bucket_postings`, `partition_pairs`)")
    bucket_postings: int = option(10_000, "anchor postings per bucket of the join (bounds a join task's memory)")
    partition_pairs: int = option(100_000, "pair overlaps per partition of the candidates and scores (bounds a scoring task's memory)")
    assign_memory: str = option("64MB", "memory DuckDB may use to rank and sort the candidates of the one-to-one assignment before it spills to disk")

    def __post_init__(self) -> None:
        """Reject values the pairing cannot work with (OptionError names the option)."""
        limits = {"min_score": (0, 1), "max_postings": (2, None), "candidates": (1, None), "neighbours": (1, None), "min_number": (1, None),
                  "lexical_weight": (0, None), "prior": (0, None), "length_weight": (0, None), "length_sigma": (1e-6, None), "confident_score": (0, 1),
                  "lexicon_pairs": (0, None), "lexicon_min_prob": (0, 1), "lexicon_translations": (1, None), "em_iterations": (0, None),
                  "buckets": (0, None), "bucket_postings": (1, None), "partition_pairs": (1, None)}  # fmt: skip
        for key, (low, high) in limits.items():
            value = getattr(self, key)
            if value < low or (high is not None and value > high):
                raise OptionError(key, f"must be {'at least ' + str(low) if high is None else f'from {low} to {high}'} (got {value!r})")
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", self.assign_memory):
            raise OptionError("assign_memory", f"must be a size such as 64MB or 1GiB (got {self.assign_memory!r})")
        if self.restrict is not None and self.restrict not in RESTRICTIONS:
            raise OptionError("restrict", f"must be null or one of {', '.join(RESTRICTIONS)} (got {self.restrict!r})")
        if self.dictionary is not None:
            try:
                read_dictionary(self.dictionary)
            except (OSError, ValueError) as exc:
                raise OptionError("dictionary", f"cannot read {self.dictionary}: {exc}") from None
