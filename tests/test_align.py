"""The sentence aligner on the bundled sample and on small edits of it: omissions, merges, long documents, partial translations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tasks.align.aligner import Bead, align_sentences, confident_pairs, length_ratio
from tasks.align.files import align_corpus
from tasks.align.options import AlignOptions
from tests.conftest import SAMPLE, read_dir

# For these tests only: split on obvious sentence ends, but not after a one-letter title ("M. Beyer").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s+(?=[A-ZÀ-Ỹ])")


def sample_sentences(lang: str) -> list[str]:
    """The sample document of `lang` as its headline plus the sentences of its paragraphs."""
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if doc["lang"] == lang:
            paragraphs = [p.strip() for p in doc["text"].split("\n\n") if p.strip()]
            return [s for p in paragraphs for s in _SENTENCE_END.split(p)]
    raise AssertionError(f"no {lang} document in the sample")


def shapes(beads: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.src, b.tgt) for b in beads]


def one_to_one(n: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [((i,), (i,)) for i in range(n)]


@pytest.fixture(scope="module")
def fr() -> list[str]:
    return sample_sentences("fr")


@pytest.fixture(scope="module")
def vi() -> list[str]:
    return sample_sentences("vi")


def test_the_pipeline_splits_the_sample_into_headline_and_eleven_sentences_as_these_tests_do(sample_run: Path, fr: list[str], vi: list[str]) -> None:
    """The sentences `polycorpus run` writes (not this file's regex) are the headline and eleven sentences the aligner tests use."""
    rows = sorted(read_dir(sample_run / "sentences").to_pylist(), key=lambda r: (r["lang"], r["sent_idx"]))
    written = {lang: [r["text"].strip() for r in rows if r["lang"] == lang] for lang in ("fr", "vi")}
    assert len(written["fr"]) == len(written["vi"]) == 12
    assert written["fr"][0].startswith("Les codeurs stars") and written["fr"][6].startswith("Des rumeurs") and written["vi"][6].startswith("Đồn đoán")
    assert written == {"fr": fr, "vi": vi}


@pytest.mark.parametrize("options", [AlignOptions(), AlignOptions(max_bead=2)])
def test_sample_aligns_as_twelve_one_to_one_beads(fr: list[str], vi: list[str], options: AlignOptions) -> None:
    first = align_sentences(fr, vi, "fr", "vi", None, options)
    assert shapes(first) == one_to_one(12)
    second = align_corpus([(fr, vi)], "fr", "vi", options)[0]
    assert shapes(second) == one_to_one(12)
    assert all(0.0 < b.score < 1.0 for b in second)


def test_dropped_sentence_becomes_a_null_bead(fr: list[str], vi: list[str]) -> None:
    beads = align_corpus([(fr, vi[:5] + vi[6:])], "fr", "vi", AlignOptions())[0]
    expected = one_to_one(5) + [((5,), ())] + [((i,), (i - 1,)) for i in range(6, 12)]
    assert shapes(beads) == expected


def test_joined_sentences_become_a_two_to_one_bead(fr: list[str], vi: list[str]) -> None:
    joined = vi[:3] + [vi[3] + " " + vi[4]] + vi[5:]
    beads = align_corpus([(fr, joined)], "fr", "vi", AlignOptions())[0]
    expected = one_to_one(3) + [((3, 4), (3,))] + [((i,), (i - 1,)) for i in range(5, 12)]
    assert shapes(beads) == expected


def test_three_to_one_beads_only_when_configured(fr: list[str], vi: list[str]) -> None:
    joined = vi[:2] + [" ".join(vi[2:5])] + vi[5:]
    beads = align_corpus([(fr, joined)], "fr", "vi", AlignOptions(max_bead=3))[0]
    assert ((2, 3, 4), (2,)) in shapes(beads)
    assert all(len(b.src) <= 2 for b in align_sentences(fr, joined, "fr", "vi", None, AlignOptions(max_bead=2)))


def test_four_to_one_beads_only_when_configured(fr: list[str], vi: list[str]) -> None:
    joined = vi[:2] + [" ".join(vi[2:6])] + vi[6:]
    beads = align_corpus([(fr, joined)], "fr", "vi", AlignOptions())[0]
    assert ((2, 3, 4, 5), (2,)) in shapes(beads)
    assert all(len(b.src) <= 3 for b in align_sentences(fr, joined, "fr", "vi", None, AlignOptions(max_bead=3)))


def test_band_widens_when_the_path_comes_near_its_edge(fr: list[str], vi: list[str]) -> None:
    """Twelve untranslated caption lines in each copy pull the path near, not onto, a narrow band's edge: the search widens to the full search's path."""
    captions = [f"Photo {k} ." for k in range(12)]
    src, tgt = fr * 2, (vi[:6] + captions + vi[6:]) * 2
    narrow = align_sentences(src, tgt, "fr", "vi", None, AlignOptions(band=4))
    assert shapes(narrow) == shapes(align_sentences(src, tgt, "fr", "vi", None, AlignOptions(band=len(tgt))))


def test_narrow_band_widens_until_the_path_fits(fr: list[str], vi: list[str]) -> None:
    src, tgt = fr * 20, (vi[:5] + vi[6:]) * 20  # one omission per copy: the path drifts off the diagonal
    narrow = align_sentences(src, tgt, "fr", "vi", None, AlignOptions(band=1))
    wide = align_sentences(src, tgt, "fr", "vi", None, AlignOptions(band=len(src)))
    assert shapes(narrow) == shapes(wide)
    assert sum(1 for b in narrow if not b.tgt) == 20


def test_every_sentence_is_in_exactly_one_bead_in_order(fr: list[str], vi: list[str]) -> None:
    beads = align_sentences(fr[:7], vi[3:], "fr", "vi", None, AlignOptions(max_bead=3))
    assert [i for b in beads for i in b.src] == list(range(7))
    assert [j for b in beads for j in b.tgt] == list(range(9))


def test_empty_side_gives_null_beads(fr: list[str]) -> None:
    assert shapes(align_sentences(fr[:2], [], "fr", "vi", None, AlignOptions())) == [((0,), ()), ((1,), ())]
    assert shapes(align_sentences([], fr[:1], "vi", "fr", None, AlignOptions())) == [((), (0,))]


def test_gale_church_alone_aligns_on_lengths(fr: list[str], vi: list[str]) -> None:
    options = AlignOptions(lexical_weight=0.0, anchors=False, null_cost=None)
    assert shapes(align_sentences(fr, vi, "fr", "vi", None, options)) == one_to_one(12)


def test_confident_pairs_are_one_to_one_beads_not_next_to_a_null_bead(fr: list[str], vi: list[str]) -> None:
    beads = [Bead((0,), (0,), 0.9), Bead((1,), (1,), 0.9), Bead((2, 3), (2,), 0.9), Bead((4,), (3,), 0.9), Bead((5,), (), 0.1)]
    assert confident_pairs(fr, vi, beads) == [(fr[0], vi[0]), (fr[1], vi[1])]


def test_headline_only_translation_aligns_with_the_headline(fr: list[str], vi: list[str]) -> None:
    en = sample_sentences("en")
    assert len(en) == 2, "the sample's English document is its headline, in two sentences"
    for tgt, lang in ((fr, "fr"), (vi, "vi")):
        beads = align_corpus([(en, tgt)], "en", lang, AlignOptions())[0]
        assert shapes(beads) == [((0, 1), (0,))] + [((), (j,)) for j in range(1, 12)], lang


def test_sample_run_aligns_the_english_headline(sample_full_run: Path) -> None:
    beads = read_dir(sample_full_run / "alignments").to_pylist()
    for lang in ("fr", "vi"):
        pair = [(b["src_sents"], b["tgt_sents"]) for b in beads if (b["src_lang"], b["tgt_lang"]) == ("en", lang)]
        assert pair[0] == ([0, 1], [0]) and all(not src for src, _ in pair[1:]), lang


def test_partial_translation_in_the_middle_aligns_that_part(fr: list[str], vi: list[str]) -> None:
    # the second document pair translates sentences 4-7 only; the full pair beside it gives the corpus its ratio
    beads = align_corpus([(fr, vi), (fr, vi[4:8])], "fr", "vi", AlignOptions())[1]
    assert shapes(beads) == [((i,), ()) for i in range(4)] + [((i,), (i - 4,)) for i in range(4, 8)] + [((i,), ()) for i in range(8, 12)]


def test_a_ratio_is_not_learned_from_a_partial_pair() -> None:
    assert length_ratio(100, 120, 1.1, 1.5) == pytest.approx(1.2), "a full pair keeps its own ratio"
    assert length_ratio(100, 1500, 1.1, 1.5) == 1.1, "a headline against an article takes the corpus's"
    assert length_ratio(100, 1500, None, 1.5) == 1.0, "with no corpus ratio yet, lengths are taken as comparable"
