"""Linear time of the pattern matchers on adversarial input: 10x the text should cost about 10x the time.

Covers money detection (tasks/entities/money.py), sentence splitting (line breaks + the Vietnamese
sentencizer) and Vietnamese syllabification and segmentation (tasks/vi/segmenter.py), each on text made
of one unit repeated (runs of digits, separators and spaces, each stressing a different pattern: digit
groups, e-mail/URL local parts, dates, spacing), plus money on a mix of eight such units in fr, vi, de.

For each case a round times one call on --large characters, then --large/--small calls on --small
characters (the same amount of text, so both sides last about as long and meet the same load on a
shared machine), with garbage collection off. The ratio is time(large) / time(one small call); linear
work gives about large/small (10), a quadratic matcher about 100. The rounds of all cases are
interleaved and each figure is the median of --runs rounds. A ratio above --limit (15 by default) is
marked SUPERLINEAR. A case whose small call takes well under a millisecond (one regex pass in C, such as
syllables of "1_1__", a single syllable) is at the mercy of memory caches and load: rerun it with
--only and more --runs before reading much into its ratio. No gold data is read. These were timed assertions in the test suite, which a loaded
machine made flaky; the suite keeps the clock-free checks (tests/test_money.py, adversarial runs).

    PYTHONPATH=. .venv/bin/python benchmarks/linear_time.py [--runs 5] [--small 10000] [--large 100000] [--only LABEL]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tasks.entities.money import find_money
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import LanguageSpec
from tasks.vi.segmenter import VietnameseSegmenter

REPO = Path(__file__).resolve().parent.parent
SEGMENTER_UNITS = ("1", "1.", "1-", "1_1__", "1/", "1 000 ", "-6")
MONEY_CASES = (("en", "$1 "), ("en", "1,000."), ("fr", "1 000 "), ("fr", "1,5 € "), ("vi", "1.000 đ "), ("vi", "1_1-"))
MONEY_MIX = ("1 ", "1,000,", "1.1.", "123 456 ", "1\u00a0000\u00a0", "$1 000 000 ", "1 tỷ 2 triệu 3 ", "1,2.3 4'5")
SENTENCE_UNITS = ("1. ", "1.\n", "1.\n\n", "1!? ")
MakeCall = Callable[[int], Callable[[], object]]


def adversarial(unit: str, size: int) -> str:
    """`unit` repeated to exactly `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def cases() -> dict[str, MakeCall]:
    """Label -> a function of the text size giving the call to time on text of that size."""
    segmenter = VietnameseSegmenter()
    found: dict[str, MakeCall] = {}
    for unit in SEGMENTER_UNITS:
        found[f"syllables {unit!r}"] = lambda n, unit=unit: lambda text=adversarial(unit, n): segmenter.syllables(text)

        def spans(text: str) -> object:
            segmenter.cache.clear()  # the per-syllable cache must not favour the repeated small input
            return segmenter.spans(text)

        found[f"segment {unit!r}"] = lambda n, unit=unit, spans=spans: lambda text=adversarial(unit, n): spans(text)
    for lang, unit in MONEY_CASES:
        found[f"money {lang} {unit!r}"] = lambda n, lang=lang, unit=unit: lambda text=adversarial(unit, n): find_money(text, lang)
    for lang in ("fr", "vi", "de"):  # fr: space groups; vi: compound amounts; de: every separator
        found[f"money {lang} mix"] = lambda n, lang=lang: lambda text=adversarial("".join(MONEY_MIX), n): find_money(text, lang)
    for lang in ("en", "vi"):
        nlp = get_nlp(lang, LanguageSpec())
        splitters = [nlp.get_pipe(name) for name in nlp.pipe_names]
        for unit in SENTENCE_UNITS:

            def make_call(size: int, nlp=nlp, splitters=splitters, unit=unit) -> Callable[[], object]:
                template = nlp.make_doc(adversarial(unit, size))

                def split() -> object:
                    doc = template.copy()  # each call starts from unset sentence starts
                    for component in splitters:
                        doc = component(doc)
                    return doc

                return split

            found[f"sentences {lang} {unit!r}"] = make_call
    return found


def one_round(make_call: MakeCall, small: int, large: int) -> tuple[float, float]:
    """(seconds of one call on `large` characters, seconds of one call on `small`, averaged over large/small calls)."""
    large_call, small_call = make_call(large), make_call(small)
    repeats = max(1, large // small)
    gc.disable()
    try:
        started = time.perf_counter()
        large_call()
        large_s = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(repeats):
            small_call()
        small_s = (time.perf_counter() - started) / repeats
    finally:
        gc.enable()
    return large_s, small_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds per case (median)")
    parser.add_argument("--small", type=int, default=10_000, help="characters of the small text")
    parser.add_argument("--large", type=int, default=100_000, help="characters of the large text")
    parser.add_argument("--limit", type=float, default=15.0, help="ratio above which a case is marked SUPERLINEAR")
    parser.add_argument("--only", default="", help="run only the cases whose label contains this text")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "linear_time.json")
    args = parser.parse_args()
    calls = {label: make_call for label, make_call in cases().items() if args.only in label}
    rounds: dict[str, list[tuple[float, float]]] = {label: [] for label in calls}
    for _ in range(args.runs):
        for label, make_call in calls.items():
            rounds[label].append(one_round(make_call, args.small, args.large))
    results = {}
    for label, measured in rounds.items():
        ratios = [large_s / small_s for large_s, small_s in measured]
        results[label] = {
            "small_ms": 1000 * statistics.median(small_s for _, small_s in measured),
            "large_ms": 1000 * statistics.median(large_s for large_s, _ in measured),
            "ratio": statistics.median(ratios),
            "ratios": ratios,
        }
    expected = args.large / args.small
    print(f"{'case':28} {'small ms':>9} {'large ms':>9} {'ratio':>6}  (linear: {expected:.0f}; limit {args.limit:g}; median of {args.runs} interleaved rounds)")
    for label, r in results.items():
        verdict = "ok" if r["ratio"] <= args.limit else "SUPERLINEAR"
        print(f"{label:28} {r['small_ms']:9.3f} {r['large_ms']:9.3f} {r['ratio']:6.1f}  {verdict}")
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    superlinear = [label for label, r in results.items() if r["ratio"] > args.limit]
    summary = {"small": args.small, "large": args.large, "runs": args.runs, "limit": args.limit, "load_average_at_end": load}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({**summary, "superlinear": superlinear, "cases": results}, indent=2), encoding="utf-8")
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
