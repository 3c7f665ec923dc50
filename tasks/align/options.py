"""The options of the `align` task (its `align:` config section), and the bilingual dictionary files options name.

Nothing here imports the alignment's work (NumPy, SciPy), so a config is read without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.base import OptionError, option


def read_dictionary(path: str) -> list[tuple[str, str]]:
    """Entries of a bilingual dictionary file: one `src<TAB>tgt` per line, `#` comments and blanks skipped."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise ValueError(f"{path}:{number}: expected 'source<TAB>target', got {line!r}")
            entries.append((parts[0], parts[1]))
    return entries


@dataclass(frozen=True)
class AlignOptions:
    """The options of the `align` task (the `align:` config section); the defaults are the shipped behaviour."""

    pairs: list[str] | None = option(None, 'language pairs such as ["fr-vi", "en-vi"]; null aligns every pair in a group (codes in order)')
    max_bead: int = option(4, "largest side of a bead: 4 allows 1-4 and 4-1, 3 allows 1-3, 3-1, 2-3 and 3-2 (Text+Berg needs them all), 2 stops at 2-2")
    band: int = option(20, "half-width of the DP band in sentences; doubled while the best path comes within half of it of its edge")
    em_iterations: int = option(5, "IBM Model 1 EM iterations over the corpus (a map/reduce over the shards each)")
    lexicon_min_count: float = option(0.1, "lexicon pruning: a translation whose expected count in the corpus is below this is dropped")
    lexicon_top_k: int = option(20, "lexicon pruning: the most probable translations kept per word and direction")
    lexicon_min_prob: float = option(0.01, "lexicon pruning: a translation less probable than this is dropped")
    dictionary: str | None = option(None, "a bilingual dictionary file, `source<TAB>target` per line")
    length_variance: float = option(6.8, "Gale-Church variance s^2 of character lengths")
    lexical_weight: float = option(0.15, "cost per unit of idf-weighted word evidence; 0 gives Gale-Church alone")
    null_cost: float | None = option(3.0, "cost of a 1-0 or 0-1 bead; null uses Gale-Church's prior and length cost")
    coverage_at: float = option(0.2, "translation mass at which a word counts as fully explained")
    anchors: bool = option(True, "numbers, identical names and cognates count as translation evidence")
    anchor_weight: float = option(1.0, "an anchor counts as 1 + anchor_weight explained words")
    cognate_share: float = option(0.5, "a cognate counts as this share of an anchor")
    ratio_tolerance: float = option(
        1.5,
        "a document pair whose character ratio is more than this factor off the corpus's (1 before a corpus is known) is a partial translation: it takes the corpus's ratio",
    )

    def __post_init__(self) -> None:
        """Reject values the aligner cannot work with, and a dictionary file that cannot be read (OptionError names the option)."""
        for pair in self.pairs or ():
            if not re.fullmatch(r"[a-z]{2}-[a-z]{2}", pair) or pair[:2] == pair[3:]:
                raise OptionError("pairs", f"each entry is two different ISO 639-1 codes joined by '-', such as fr-vi (got {pair!r})")
        limits = {"max_bead": (2, 4), "band": (1, None), "em_iterations": (0, None), "lexicon_min_count": (0, None), "lexicon_top_k": (1, None), "lexicon_min_prob": (0, 1), "length_variance": (1e-9, None), "lexical_weight": (0, None),
                  "null_cost": (0, None), "coverage_at": (1e-9, None), "anchor_weight": (0, None), "cognate_share": (0, 1), "ratio_tolerance": (1, None)}  # fmt: skip
        for key, (low, high) in limits.items():
            value = getattr(self, key)
            if value is not None and (value < low or (high is not None and value > high)):
                raise OptionError(key, f"must be {'at least ' + str(low) if high is None else f'from {low} to {high}'} (got {value!r})")
        if self.dictionary is not None:
            try:
                read_dictionary(self.dictionary)
            except (OSError, ValueError) as exc:
                raise OptionError("dictionary", f"cannot read {self.dictionary}: {exc}") from None

    def bead_types(self) -> list[tuple[int, int]]:
        """The bead shapes (source sentences, target sentences) this configuration allows."""
        types = [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2)]
        return types + ([(3, 1), (1, 3), (3, 2), (2, 3)] if self.max_bead >= 3 else []) + ([(4, 1), (1, 4)] if self.max_bead >= 4 else [])
