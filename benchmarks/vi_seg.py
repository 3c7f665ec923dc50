"""Vietnamese word segmentation: accuracy, speed and differences from pyvi, on UD_Vietnamese-VTB.

Word F1 is boundary F1 over words (a predicted word counts when both its character boundaries match
a gold word), summed over all sentences of train+dev. Speed is syllables per second in this process,
each segmenter timed on the same sentences side by side, median of --runs runs. "ours" is the
tokenizer's `pipe` (texts segmented many at a time, as `polycorpus run` and `tokenize` do); "one text
per call" is what `nlp(text)` and `nlp.pipe(texts)` get, since spaCy tokenizes each text alone; "as `tokenize`
runs it" is the `tokenize` command's path in-process (the words' offsets, no Docs, and the output line); "as `run`
annotates" builds Docs, runs the sentence components and makes the rows of the sentences and tokens tables.
Differences from pyvi are counted per sentence and attributed to the first fix (in FIXES order) whose addition changes it.

The whole-process rows time the command a user runs, `polycorpus tokenize --lang vi`, over a file of
the UD sentences and the Vietnamese TED lines of EVAL/align, against a script that writes spaCy
blank("vi")'s tokens of the same file the same way; each also runs over an empty file, and its
median start-up is subtracted, so the rate is that of the work. Runs are interleaved, medians of wall time and
of CPU time (the commands' own, which a machine shared with other jobs distorts less).

    PYTHONPATH=. .venv/bin/python benchmarks/vi_seg.py [--eval-dir ../shared/eval] [--runs 7] [--process-runs 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import spacy

from benchmarks.eval_data import require_eval_data
from tasks.spacy.annotate import annotate, word_spans
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import DEFAULT_MAX_LENGTH, LanguageSpec
from tasks.steps.tokenize import sentence_rows, token_line
from tasks.vi.segmenter import FIXES, VietnameseSegmenter
from tasks.vi.tokenizer import VietnameseTokenizer

REPO = Path(__file__).resolve().parent.parent
SPLITS = ("vi_vtb-ud-train.conllu", "vi_vtb-ud-dev.conllu")
Spans = set[tuple[int, int]]


def read_conllu(path: Path) -> list[tuple[str, Spans]]:
    """(sentence text, gold word spans) per sentence; the text is the word forms joined by spaces."""
    sentences, forms = [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line and not line.startswith("#"):
            index, form = line.split("\t")[:2]
            if index.isdigit():
                forms.append(form)
        elif not line and forms:
            spans, pos = set(), 0
            for form in forms:
                spans.add((pos, pos + len(form)))
                pos += len(form) + 1
            sentences.append((" ".join(forms), spans))
            forms = []
    return sentences


def pyvi_spans(text: str, tokenized: str) -> Spans:
    """Word spans in `text` of pyvi's output string (words split by " ", syllables joined by "_")."""
    spans: Spans = set()
    start = end = None
    j = 0
    for char in tokenized:
        if char == " " or char == "\n" or (char == "_" and text[j : j + 1] != "_"):
            if char != "_" and start is not None:
                spans.add((start, end))
                start = None
            if char == "\n":
                j = text.index("\n", j) + 1
            continue
        while text[j] != char and text[j].isspace():
            j += 1
        if text[j] != char:
            raise ValueError(f"cannot align pyvi's output {tokenized!r} with {text!r}")
        if start is None:
            start = j
        j += 1
        end = j
    if start is not None:
        spans.add((start, end))
    return spans


def doc_spans(doc: spacy.tokens.Doc) -> Spans:
    return {(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space}


def word_f1(predicted: Iterable[Spans], gold: Iterable[Spans]) -> dict[str, float]:
    tp = n_pred = n_gold = 0
    for p, g in zip(predicted, gold, strict=True):
        tp += len(p & g)
        n_pred += len(p)
        n_gold += len(g)
    precision, recall = tp / n_pred, tp / n_gold
    return {"precision": 100 * precision, "recall": 100 * recall, "f1": 100 * 2 * precision * recall / (precision + recall)}


def fix_counts(texts: list[str], pyvi: list[Spans]) -> dict[str, int]:
    """Sentences whose segmentation differs from pyvi's, each under the first fix that changes it.

    "unexplained" counts sentences where our segmenter with no fixes already differs from pyvi.
    """
    counts = dict.fromkeys(["unexplained", *FIXES], 0)
    stages = [VietnameseSegmenter(fixes=FIXES[:k]) for k in range(len(FIXES) + 1)]
    for text, reference in zip(texts, pyvi, strict=True):
        outputs = [set(stage.spans(text)) for stage in stages]
        if outputs[0] != reference:
            counts["unexplained"] += 1
        elif outputs[-1] != reference:
            first = next(k for k in range(1, len(outputs)) if outputs[k] != reference)
            counts[FIXES[first - 1]] += 1
    return counts


def time_runs(segmenters: dict[str, Callable[[], object]], runs: int) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds per run of each segmenter, interleaved so that machine noise hits all alike.

    The machine is shared: CPU time of this (single-threaded) process is the steadier measure. As
    timeit does, the garbage collector is off while a run is timed: a full collection walks every
    object of this process (~0.1 s here, the data and results of every segmenter), and whichever
    run it happened to fall in would pay for all of them.
    """
    for run in segmenters.values():  # warm up: imports, model loading
        run()
    seconds = {name: {"wall": [], "cpu": []} for name in segmenters}
    for _ in range(runs):
        for name, run in segmenters.items():
            gc.collect()
            gc.disable()
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            seconds[name]["cpu"].append(time.process_time() - cpu)
            seconds[name]["wall"].append(time.perf_counter() - wall)
            gc.enable()
    return seconds


# What `polycorpus tokenize` does per line, with spaCy's Vietnamese tokenizer (pyvi) instead of ours.
_SPACY_SCRIPT = """
import sys, spacy
nlp = spacy.blank("vi")
lines = open(sys.argv[1], encoding="utf-8").read().split("\\n")[:-1]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for doc in nlp.pipe(lines):
        out.write(" ".join("_".join(t.text.split()) for t in doc if not t.is_space) + "\\n")
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def whole_process(lines: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Wall and CPU seconds of each command over `lines` (one per line) and over an empty file ("full", "start-up",
    "cpu full", "cpu start-up"), medians of interleaved runs. CPU seconds are what a loaded machine distorts least."""
    polycorpus = str(Path(sys.executable).with_name("polycorpus"))
    with tempfile.TemporaryDirectory() as tmp:
        full, empty = Path(tmp, "lines.txt"), Path(tmp, "empty.txt")
        full.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        empty.write_text("", encoding="utf-8")
        commands = {
            "polycorpus tokenize --lang vi": lambda path: [polycorpus, "tokenize", "--lang", "vi", "--input", str(path), "--output", os.devnull],
            "spacy blank('vi')": lambda path: [sys.executable, "-c", _SPACY_SCRIPT, str(path), os.devnull],
        }
        seconds: dict[str, dict[str, list[float]]] = {name: {"full": [], "start-up": [], "cpu full": [], "cpu start-up": []} for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                for kind, path in (("full", full), ("start-up", empty)):
                    started, cpu = time.perf_counter(), _children_cpu()
                    subprocess.run(command(path), check=True, stdout=subprocess.DEVNULL)
                    seconds[name][kind].append(time.perf_counter() - started)
                    seconds[name][f"cpu {kind}"].append(_children_cpu() - cpu)
    return {name: {kind: statistics.median(values) for kind, values in kinds.items()} for name, kinds in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--process-runs", type=int, default=5, help="interleaved runs of each whole-process command (0: skip them)")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "vi_seg.json")
    args = parser.parse_args()
    require_eval_data(args.eval_dir, *(f"vi-seg/{split}" for split in SPLITS))

    from pyvi import ViTokenizer

    data = [s for split in SPLITS for s in read_conllu(args.eval_dir / "vi-seg" / split)]
    texts = [text for text, _ in data]
    gold = [spans for _, spans in data]
    syllables = sum(len(text.split()) for text in texts)

    spacy_vi = spacy.blank("vi")
    ours = get_nlp("vi", LanguageSpec())
    tokenizer: VietnameseTokenizer = ours.tokenizer
    pyvi = [pyvi_spans(text, ViTokenizer.tokenize(text)) for text in texts]
    accuracy = {
        "ours": word_f1((doc_spans(tokenizer(t)) for t in texts), gold),
        "spacy blank('vi')": word_f1((doc_spans(spacy_vi(t)) for t in texts), gold),
        "pyvi ViTokenizer.tokenize": word_f1(pyvi, gold),
    }
    differences = fix_counts(texts, pyvi)

    def ours_cold() -> None:
        tokenizer.segmenter.cache.clear()
        list(tokenizer.pipe(texts))

    no_lines = [False] * len(texts)
    seconds = time_runs(
        {
            "ours": lambda: list(tokenizer.pipe(texts)),
            "ours, one text per call": lambda: [tokenizer(t) for t in texts],
            "ours, syllable cache emptied each run": ours_cold,
            "ours, as `tokenize` runs it": lambda: [token_line(t, s) for t, s in zip(texts, word_spans(ours, texts, DEFAULT_MAX_LENGTH, 64))],
            "ours + sentences (as `run` annotates)": lambda: [
                sentence_rows("d", "vi", t, r) for t, r in zip(texts, annotate(ours, texts, no_lines, DEFAULT_MAX_LENGTH, 64))
            ],
            "spacy blank('vi')": lambda: [spacy_vi(t) for t in texts],
            "pyvi ViTokenizer.tokenize": lambda: [ViTokenizer.tokenize(t) for t in texts],
        },
        args.runs,
    )
    speed = {name: syllables / statistics.median(s["cpu"]) for name, s in seconds.items()}
    wall_speed = {name: syllables / statistics.median(s["wall"]) for name, s in seconds.items()}
    # The fastest run of each: on this shared machine the same work varies up to 2x from run to run.
    best = {name: syllables / min(s["cpu"]) for name, s in seconds.items()}

    print(f"UD_Vietnamese-VTB train+dev: {len(texts)} sentences, {syllables} syllables; median of {args.runs} runs\n")
    header = f"{'segmenter':40} {'word F1':>8} {'syll/s CPU':>11} {'vs spaCy':>9} {'vs pyvi':>8} {'syll/s wall':>12} {'vs spaCy':>9} {'best vs spaCy':>14}"
    print(header)
    for name, rate in speed.items():
        f1 = accuracy.get(name, accuracy["ours"])["f1"]  # every "ours" row segments the same way
        ratio_spacy = rate / speed["spacy blank('vi')"]
        ratio_pyvi = rate / speed["pyvi ViTokenizer.tokenize"]
        wall, wall_ratio = wall_speed[name], wall_speed[name] / wall_speed["spacy blank('vi')"]
        best_ratio = best[name] / best["spacy blank('vi')"]
        print(f"{name:40} {f1:8.2f} {rate:11.0f} {ratio_spacy:8.2f}x {ratio_pyvi:7.2f}x {wall:12.0f} {wall_ratio:8.2f}x {best_ratio:13.2f}x")
    total = sum(v for k, v in differences.items() if k != "unexplained")
    print(f"\nsentences segmented differently from pyvi: {total} of {len(texts)}")
    for name, count in differences.items():
        print(f"  {name:14} {count}")

    process: dict[str, dict[str, float]] = {}
    if args.process_runs:
        lines = texts + [
            line for path in sorted((args.eval_dir / "align").glob("ted-*-vi/*.vi")) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()
        ]
        process_syllables = sum(len(line.split()) for line in lines)
        process = whole_process(lines, args.process_runs)
        for timing in process.values():
            timing["work"] = timing["full"] - timing["start-up"]
            timing["syllables_per_second"] = process_syllables / timing["work"]
            timing["cpu work"] = timing["cpu full"] - timing["cpu start-up"]
            timing["syllables_per_cpu_second"] = process_syllables / timing["cpu work"]
        baseline = process["spacy blank('vi')"]
        print(f"\nwhole process over {len(lines)} lines (UD VTB + TED vi), {process_syllables} syllables; median of {args.process_runs} interleaved runs")
        print(
            f"{'command':32} {'wall s':>7} {'start-up s':>11} {'work s':>7} {'syll/s':>9} {'vs spaCy':>9} {'CPU work s':>11} {'syll/CPU s':>11} {'vs spaCy':>9}"
        )
        for name, t in process.items():
            ratio, cpu_ratio = (
                t["syllables_per_second"] / baseline["syllables_per_second"],
                t["syllables_per_cpu_second"] / baseline["syllables_per_cpu_second"],
            )
            print(
                f"{name:32} {t['full']:7.2f} {t['start-up']:11.2f} {t['work']:7.2f} {t['syllables_per_second']:9.0f} {ratio:8.2f}x "
                f"{t['cpu work']:11.2f} {t['syllables_per_cpu_second']:11.0f} {cpu_ratio:8.2f}x"
            )
        print(f"load average {os.getloadavg()[0]:.2f}: wall times on a loaded machine mean little, CPU times less so")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "whole_process": process,
        "data": {"sentences": len(texts), "syllables": syllables, "splits": list(SPLITS)},
        "runs": args.runs,
        "accuracy": accuracy,
        "syllables_per_second_cpu": speed,
        "syllables_per_second_wall": wall_speed,
        "seconds": seconds,
        "ratio_vs_spacy_cpu": speed["ours"] / speed["spacy blank('vi')"],
        "ratio_vs_spacy_wall": wall_speed["ours"] / wall_speed["spacy blank('vi')"],
        "ratio_vs_spacy_cpu_one_text_per_call": speed["ours, one text per call"] / speed["spacy blank('vi')"],
        "ratio_vs_spacy_best_runs": best["ours"] / best["spacy blank('vi')"],
        "ratio_vs_pyvi_cpu": speed["ours"] / speed["pyvi ViTokenizer.tokenize"],
        "differences_from_pyvi": {"total": total, "per_fix": differences},
    }
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
