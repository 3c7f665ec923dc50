"""Sentence alignment accuracy on the gold sets in EVAL/align, and speed as documents grow.

Accuracy: strict and lax P/R/F1 as vecalign's score.py / bertalign's eval.py define them (precision over
all test beads, null beads included; recall over non-null gold beads; counts summed over documents),
for Gale–Church alone and for polycorpus (anchors + a lexicon learned from each data set, like
align-files). Speed: seconds per 1,000 sentence pairs for documents of 100 to 10,000 sentences,
made by concatenating the TED en-vi talks. Usage:

    PYTHONPATH=. .venv/bin/python benchmarks/align_eval.py --eval-dir ../shared/eval
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.eval_data import require_eval_data
from tasks.align.aligner import Bead, align_sentences
from tasks.align.files import align_corpus, learn_lexicon
from tasks.align.options import AlignOptions

Beads = list[tuple[tuple[int, ...], tuple[int, ...]]]
# data set name -> folder, source language, target language, gold file suffix
DATASETS = {
    "textberg-de-fr": ("textberg-de-fr-dev", "de", "fr", "defr"),
    "ted-en-vi": ("ted-en-vi", "en", "vi", "envi"),
    "ted-fr-vi": ("ted-fr-vi", "fr", "vi", "frvi"),
}
GALE_CHURCH = AlignOptions(lexical_weight=0.0, anchors=False, null_cost=None)


def read_gold(path: Path) -> Beads:
    """Beads of a vecalign-format file: `[i, j]:[k]` per line."""
    beads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            src, tgt = line.split(":")
            beads.append((tuple(ast.literal_eval(src)), tuple(ast.literal_eval(tgt))))
    return beads


def load(eval_dir: Path, name: str) -> tuple[str, str, list[tuple[list[str], list[str]]], list[Beads]]:
    """The documents (sentence lists) and gold beads of one data set."""
    folder, src_lang, tgt_lang, suffix = DATASETS[name]
    docs, golds = [], []
    for gold in sorted((eval_dir / "align" / folder).glob(f"*.{suffix}")):
        src = gold.with_suffix(f".{src_lang}").read_text(encoding="utf-8").splitlines()
        tgt = gold.with_suffix(f".{tgt_lang}").read_text(encoding="utf-8").splitlines()
        docs.append((src, tgt))
        golds.append(read_gold(gold))
    return src_lang, tgt_lang, docs, golds


def _counts(gold: Beads, test: Beads) -> tuple[int, int, int, int]:
    """vecalign score.py `_precision`: (tp strict, fp strict, tp lax, fp lax) of `test` against `gold`."""
    test_set = {b for b in test if b[0] or b[1]}
    gold_set = {b for b in gold if b[0] or b[1]}
    gold_targets: dict[int, set[int]] = defaultdict(set)
    for src, tgt in gold_set:
        for s in src:
            gold_targets[s].update(tgt)
    tps = fps = tpl = fpl = 0
    for src, tgt in test_set:
        if (src, tgt) in gold_set:
            tps, tpl = tps + 1, tpl + 1
        elif set(tgt) & {t for s in src for t in gold_targets[s]}:
            fps, tpl = fps + 1, tpl + 1
        else:
            fps, fpl = fps + 1, fpl + 1
    return tps, fps, tpl, fpl


def score(golds: list[Beads], tests: list[Beads]) -> dict[str, float]:
    """Strict and lax precision, recall and F1, counts summed over documents before dividing."""
    p = [0, 0, 0, 0]
    r = [0, 0, 0, 0]
    for gold, test in zip(golds, tests):
        p = [x + y for x, y in zip(p, _counts(gold, test))]
        no_null_test = [b for b in test if b[0] and b[1]]
        no_null_gold = [b for b in gold if b[0] and b[1]]
        r = [x + y for x, y in zip(r, _counts(no_null_test, no_null_gold))]
    out = {}
    for kind, (tp_i, fp_i) in (("strict", (0, 1)), ("lax", (2, 3))):
        precision = p[tp_i] / max(p[tp_i] + p[fp_i], 1)
        recall = r[tp_i] / max(r[tp_i] + r[fp_i], 1)
        out[f"{kind}_p"], out[f"{kind}_r"] = precision, recall
        out[f"{kind}_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return out


def as_pairs(beads: list[Bead]) -> Beads:
    return [(b.src, b.tgt) for b in beads]


def accuracy(eval_dir: Path, options: AlignOptions) -> list[dict]:
    """One row per data set and method."""
    rows = []
    for name in DATASETS:
        src_lang, tgt_lang, docs, golds = load(eval_dir, name)
        gc = [as_pairs(align_sentences(s, t, src_lang, tgt_lang, None, GALE_CHURCH)) for s, t in docs]
        ours = [as_pairs(b) for b in align_corpus(docs, src_lang, tgt_lang, options)]
        for method, tests in (("gale-church", gc), ("polycorpus", ours)):
            rows.append({"dataset": name, "method": method, "docs": len(docs), **score(golds, tests)})
    return rows


def speed(eval_dir: Path, options: AlignOptions, sizes: list[int], runs: int) -> list[dict]:
    """Median seconds per 1,000 sentence pairs for concatenated TED en-vi documents of each size."""
    src_lang, tgt_lang, docs, _ = load(eval_dir, "ted-en-vi")
    all_src = [s for src, _ in docs for s in src]
    all_tgt = [t for _, tgt in docs for t in tgt]
    lexicon = learn_lexicon(docs, src_lang, tgt_lang, options)  # trained once: the runs time the aligner alone
    rows = []
    for size in sizes:
        repeat = -(-size // len(all_src))
        src = (all_src * repeat)[:size]
        tgt = (all_tgt * repeat)[: round(size * len(all_tgt) / len(all_src))]
        for method, opts, lex in (("gale-church", GALE_CHURCH, None), ("polycorpus", options, lexicon)):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                align_sentences(src, tgt, src_lang, tgt_lang, lex, opts)
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            rows.append({"method": method, "sentences": size, "seconds": seconds, "s_per_1000": 1000 * seconds / size})
    for row in rows:
        first = next(r for r in rows if r["method"] == row["method"])
        row["per_sentence_vs_smallest"] = row["s_per_1000"] / first["s_per_1000"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "eval"))
    parser.add_argument("--json", default=str(Path(__file__).resolve().parent / "results" / "align_eval.json"))
    parser.add_argument("--sizes", default="100,1000,3000,10000", help="sentences per document for the speed runs")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (the median is reported)")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    eval_dir = require_eval_data(args.eval_dir, *(f"align/{folder}" for folder, *_ in DATASETS.values()))
    options = AlignOptions()

    acc = accuracy(eval_dir, options)
    print(f"{'dataset':16} {'method':12} {'docs':>4} {'strict P':>8} {'R':>6} {'F1':>6} {'lax P':>6} {'R':>6} {'F1':>6}")
    for r in acc:
        print(
            f"{r['dataset']:16} {r['method']:12} {r['docs']:>4} {r['strict_p']:8.3f} {r['strict_r']:6.3f} "
            f"{r['strict_f1']:6.3f} {r['lax_p']:6.3f} {r['lax_r']:6.3f} {r['lax_f1']:6.3f}"
        )
    spd = [] if args.skip_speed else speed(eval_dir, options, [int(s) for s in args.sizes.split(",")], args.runs)
    if spd:
        print(f"\n{'method':12} {'sentences':>9} {'seconds':>8} {'s/1000':>7} {'vs smallest':>11}")
        for r in spd:
            print(f"{r['method']:12} {r['sentences']:>9} {r['seconds']:8.3f} {r['s_per_1000']:7.3f} {r['per_sentence_vs_smallest']:11.2f}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"options": options.__dict__, "accuracy": acc, "speed": spd}, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
