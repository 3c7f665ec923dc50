"""P/R/F1 of tasks.entities.money.find_money on the money gold (span, exact amount and currency), and its speed.

Reads the gold files of GOLD_FILES under `--eval-dir`/money by path (never copied into the repo): `dev.tsv`
(press-style sentences) and `real_dev.tsv` (money as real prose writes it: ranges, minus signs, fractions,
grouped digits, weights). A prediction counts only when its span text, amount (as an exact Decimal) and
currency all equal a gold one; scores are per gold file and language. Throughput is measured per
language on real text of that language from the same folder (wikigold, WikiNEuRal, UD Vietnamese-VTB),
median of --runs runs. A missing money folder or gold file is named on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.eval_data import require_eval_data  # noqa: E402
from tasks.entities.money import find_money  # noqa: E402

GOLD_FILES = ("dev.tsv", "real_dev.tsv")
TARGET_F1 = 0.95  # issue 13: MONEY (span, amount and currency exact) in each language

# Real text per language for the speed runs: (path under eval dir, how to read it).
SPEED_TEXT = {
    "en": ("ner/en/wikigold.conll.txt", "tokens"),
    "fr": ("ner/fr/wikineural_fr_val_first2000.conllu", "tokens"),
    "vi": ("vi-seg/vi_vtb-ud-dev.conllu", "conllu"),
}


def read_gold(path: Path) -> list[tuple[str, str, list[tuple[str, Decimal, str]]]]:
    """Rows of dev.tsv: (lang, text, [(span, amount, currency)])."""
    with path.open(encoding="utf-8", newline="") as f:
        return [
            (row["lang"], row["text"], [(s, Decimal(a), c) for s, a, c in json.loads(row["expected"])])
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def score(rows: list[tuple[str, str, list[tuple[str, Decimal, str]]]]) -> tuple[dict[str, dict], list[str]]:
    """Per-language counts and P/R/F1, and a line per wrong sentence."""
    counts: dict[str, Counter] = {}
    errors = []
    for lang, text, gold in rows:
        predicted = [(m.text, m.amount, m.currency) for m in find_money(text, lang)]
        tp = sum((Counter(predicted) & Counter(gold)).values())
        c = counts.setdefault(lang, Counter())
        c["tp"] += tp
        c["fp"] += len(predicted) - tp
        c["fn"] += len(gold) - tp
        if tp != len(predicted) or tp != len(gold):
            errors.append(f"{lang}\t{text}\n\tpredicted {predicted}\n\tgold      {gold}")
    result = {}
    for lang, c in sorted(counts.items()):
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        result[lang] = {"tp": c["tp"], "fp": c["fp"], "fn": c["fn"], "precision": p, "recall": r, "f1": f}
    return result, errors


def read_text(path: Path, form: str) -> list[str]:
    """Sentences of a gold file: `# text =` lines of CoNLL-U, or tokens joined by spaces."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if form == "conllu":
        return [line[len("# text = ") :] for line in lines if line.startswith("# text = ")]
    sentences, tokens = [], []
    for line in lines + [""]:
        parts = line.split()
        if not parts:
            if tokens:
                sentences.append(" ".join(tokens))
                tokens = []
            continue
        tokens.append(parts[1] if len(parts) >= 3 and parts[0].isdigit() else parts[0])
    return sentences


def throughput(sentences: list[str], lang: str, runs: int) -> dict[str, float]:
    """Median chars/s of find_money over `sentences`, one call per sentence."""
    chars = sum(len(s) for s in sentences)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        found = sum(len(find_money(s, lang)) for s in sentences)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {"sentences": len(sentences), "chars": chars, "money_found": found, "seconds": median, "chars_per_s": chars / median}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "money_eval.json")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    require_eval_data(args.eval_dir, *(f"money/{name}" for name in GOLD_FILES))
    accuracy, errors = {}, []
    for name in GOLD_FILES:
        accuracy[name], wrong = score(read_gold(args.eval_dir / "money" / name))
        errors += [f"{name}: {line}" for line in wrong]
    speed = {}
    for lang, (rel, form) in SPEED_TEXT.items():
        path = args.eval_dir / rel
        if path.exists():
            speed[lang] = throughput(read_text(path, form), lang, args.runs)

    print(f"{'gold':13} {'lang':4}  {'P':>6} {'R':>6} {'F1':>6}  {'tp':>3} {'fp':>3} {'fn':>3}  target F1 >= {TARGET_F1}")
    for name, by_lang in accuracy.items():
        for lang, a in by_lang.items():
            verdict = "met" if a["f1"] >= TARGET_F1 else "NOT MET"
            print(f"{name:13} {lang:4}  {a['precision']:6.3f} {a['recall']:6.3f} {a['f1']:6.3f}  {a['tp']:3} {a['fp']:3} {a['fn']:3}  {verdict}")
    print(f"\n{'lang':4}  {'chars/s':>10}  speed text (median of {args.runs} runs)")
    for lang, sp in speed.items():
        print(f"{lang:4}  {sp['chars_per_s']:10.0f}  {sp['chars']} chars, {SPEED_TEXT[lang][0]}")
    if args.show_errors:
        print("\n".join(errors))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"accuracy": accuracy, "speed": speed, "errors": errors}, indent=2), encoding="utf-8")
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
