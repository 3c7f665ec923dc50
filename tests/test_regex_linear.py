"""No pattern matcher is super-linear: on adversarial runs of digits, separators and spaces, 100 kB costs at most 15x 10 kB.

Covers money detection (tasks/money.py), sentence splitting (line breaks + the Vietnamese
sentencizer) and Vietnamese syllabification and segmentation (tasks/vi_segmenter.py). A ratio, not
a timing: each side is the best of a few interleaved rounds over the same amount of text.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from tasks.entities.money import find_money
from tasks.spacy.pipelines import LanguageSpec, get_nlp
from tasks.vi.segmenter import VietnameseSegmenter

SMALL, LARGE = 10_000, 100_000
MAX_RATIO = 15.0
# Repeating units; each one stresses a different pattern (digit groups, e-mail/URL local parts, dates, spacing).
UNITS = ("1", "1.", "1-", "1_1__", "1/", "1 000 ", "-6")
MONEY_CASES = (("en", "$1 "), ("en", "1,000."), ("fr", "1 000 "), ("fr", "1,5 € "), ("vi", "1.000 đ "), ("vi", "1_1-"))
SENTENCE_UNITS = ("1. ", "1.\n", "1.\n\n", "1!? ")


def adversarial(unit: str, size: int) -> str:
    """`unit` repeated to exactly `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def ratio(make_call: Callable[[int], Callable[[], object]], rounds: int = 2) -> float:
    """Time of one LARGE call over the time of one SMALL call, each the best of `rounds`.

    A round times one LARGE call, then LARGE // SMALL calls on SMALL input: the same amount of text,
    so both sides last about as long and meet the same load on a shared machine. GC is off meanwhile.
    """
    large, small = make_call(LARGE), make_call(SMALL)
    repeats = LARGE // SMALL
    best_large = best_small = float("inf")
    gc.disable()
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            large()
            best_large = min(best_large, time.perf_counter() - started)
            started = time.perf_counter()
            for _ in range(repeats):
                small()
            best_small = min(best_small, (time.perf_counter() - started) / repeats)
    finally:
        gc.enable()
    return best_large / best_small


def assert_linear(make_call: Callable[[int], Callable[[], object]], label: str) -> None:
    """Time(LARGE) <= MAX_RATIO x time(SMALL); measured again before failing, as the machine is shared."""
    ratios = []
    for _ in range(2):
        measured = ratio(make_call)
        if measured <= MAX_RATIO:
            return
        ratios.append(round(measured, 1))
    pytest.fail(f"{label}: 100 kB took {ratios} x the time of 10 kB (limit {MAX_RATIO})")


@pytest.fixture(scope="module")
def segmenter() -> VietnameseSegmenter:
    return VietnameseSegmenter()


@pytest.mark.parametrize("unit", UNITS)
def test_vi_syllabification_and_segmentation_are_linear(segmenter: VietnameseSegmenter, unit: str) -> None:
    assert_linear(lambda n: lambda text=adversarial(unit, n): segmenter.syllables(text), f"syllables({unit!r})")

    def spans(text: str) -> object:
        segmenter.cache.clear()  # the per-syllable cache must not favour the repeated small input
        return segmenter.spans(text)

    assert_linear(lambda n: lambda text=adversarial(unit, n): spans(text), f"spans({unit!r})")


@pytest.mark.parametrize("lang,unit", MONEY_CASES)
def test_money_detection_is_linear(lang: str, unit: str) -> None:
    assert_linear(lambda n: lambda text=adversarial(unit, n): find_money(text, lang), f"find_money({unit!r}, {lang})")


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("unit", SENTENCE_UNITS)
def test_sentence_splitting_is_linear(lang: str, unit: str) -> None:
    nlp = get_nlp(lang, LanguageSpec())
    splitters = [nlp.get_pipe(name) for name in nlp.pipe_names]

    def make_call(size: int) -> Callable[[], object]:
        template = nlp.make_doc(adversarial(unit, size))

        def split() -> object:
            doc = template.copy()  # each call starts from unset sentence starts
            for component in splitters:
                doc = component(doc)
            return doc

        return split

    assert_linear(make_call, f"sentences({unit!r}, {lang})")
