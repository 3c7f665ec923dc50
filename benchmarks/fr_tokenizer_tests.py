"""spaCy's own French tokenizer tests (spacy/tests/lang/fr, as installed with spaCy) against polycorpus' French tokenizer.

Runs the tests twice in subprocesses: once as spaCy ships them (its blank French tokenizer), once with
the `fr_tokenizer` fixture changed by tasks.spacy.compounds.keep_compounds, which is what polycorpus
adds to every French pipeline. Prints each test whose outcome differs and the totals. Then, on the
French sentences of EVAL (WikiNEuRal), counts the sentences whose tokens change and the most frequent
words that spaCy splits and polycorpus keeps whole (and the reverse). Writes JSON.

    PYTHONPATH=. .venv/bin/python benchmarks/fr_tokenizer_tests.py [--eval-dir ../shared/eval] [--json F]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SENTENCES = "ner/fr/wikineural_fr_val_first2000.conllu"


class KeepCompounds:
    """pytest plugin: the `fr_tokenizer` fixture's tokenizer, changed as polycorpus changes French tokenizers."""

    def __init__(self) -> None:
        self.changed: set[int] = set()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
        outcome = yield
        if fixturedef.argname == "fr_tokenizer" and id(outcome.get_result()) not in self.changed:
            from tasks.spacy.compounds import keep_compounds

            keep_compounds(outcome.get_result())
            self.changed.add(id(outcome.get_result()))


class Outcomes:
    """pytest plugin: each test's outcome by node id."""

    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.outcomes.setdefault(report.nodeid, report.outcome)


def run(ours: bool, out: Path) -> None:
    """Run the tests in this process (called in a subprocess) and write {node id: outcome} to `out`."""
    outcomes = Outcomes()
    plugins: list[object] = [outcomes] + ([KeepCompounds()] if ours else [])
    pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--pyargs", "spacy.tests.lang.fr"], plugins=plugins)
    out.write_text(json.dumps(outcomes.outcomes), encoding="utf-8")


def changed_words(path: Path) -> dict:
    """Sentences (tokens joined by spaces) whose tokens differ between spaCy's blank French and polycorpus' rules."""
    import spacy

    from tasks.spacy.compounds import keep_compounds

    stock, ours = spacy.blank("fr"), spacy.blank("fr")
    keep_compounds(ours.tokenizer)
    sentences, tokens = [], []
    for line in [*path.read_text(encoding="utf-8").split("\n"), ""]:
        fields = line.split("\t")
        if len(fields) >= 2:
            tokens.append(fields[1])
        elif tokens:
            sentences.append(" ".join(tokens))
            tokens = []
    kept, split, n = Counter(), Counter(), 0
    for text in sentences:
        a = {(t.idx, t.idx + len(t)) for t in stock(text)}
        b = {(t.idx, t.idx + len(t)) for t in ours(text)}
        if a != b:
            n += 1
            kept.update(text[s:e] for s, e in b - a)
            split.update(text[s:e] for s, e in a - b)
    return {"sentences": len(sentences), "sentences_changed": n, "kept_whole": kept.most_common(40), "split": split.most_common(40)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "fr_tokenizer_tests.json")
    parser.add_argument("--_run", choices=("spacy", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--_out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._run:
        run(args._run == "ours", args._out)
        return
    from benchmarks.eval_data import require_eval_data

    eval_dir = require_eval_data(args.eval_dir, SENTENCES)
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for which in ("spacy", "ours"):
            out = Path(tmp, which + ".json")
            subprocess.run([sys.executable, __file__, "--_run", which, "--_out", str(out)], check=False, stdout=subprocess.DEVNULL, cwd=REPO)
            results[which] = json.loads(out.read_text(encoding="utf-8"))
    changed = {test: (results["spacy"].get(test), results["ours"].get(test)) for test in sorted(results["spacy"].keys() | results["ours"].keys())}
    changed = {test: pair for test, pair in changed.items() if pair[0] != pair[1]}
    for which, outcomes in results.items():
        counts = {kind: sum(1 for o in outcomes.values() if o == kind) for kind in ("passed", "failed", "skipped")}
        print(f"{which:6} {counts}")
    print(f"\n{len(changed)} tests change outcome with polycorpus' French rules:")
    for test, (before, after) in changed.items():
        print(f"  {before} -> {after}  {test}")
    words = changed_words(eval_dir / SENTENCES)
    print(f"\n{words['sentences_changed']} of {words['sentences']} WikiNEuRal French sentences tokenize differently")
    for direction in ("kept_whole", "split"):
        print(f"  {direction}: " + ", ".join(f"{w} {n}" for w, n in words[direction][:15]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"outcomes": results, "changed": changed, "eval_sentences": words}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
