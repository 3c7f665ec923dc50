"""Sentence alignment: the banded bead aligner, the IBM Model 1 lexicon, the corpus orchestration, align-files."""
