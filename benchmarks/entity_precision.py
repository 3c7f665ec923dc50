"""The most frequent PERSON / ORG names of a real corpus, per language, to judge the entities' precision by eye.

Issue 13 measures precision on real prose as the share of the top 40 names per label and language that
are right (a name counts when it is the right type everywhere it appears). This harness makes that
listing reproducible: it writes the TED English–Vietnamese talks of `--eval-dir`/align/ted-en-vi as JSONL,
one translation group per talk (`NAME.en` and `NAME.vi` share the group NAME), runs
`polycorpus ingest` and `polycorpus run --tasks tokenize,entities` on them as a user would, and prints,
per language and label, the top names by mentions with their sources (model, rule, gazetteer,
projection). The judgement stays with the reader: the TED talks' license (CC BY-NC-ND) forbids copying
them, so neither the listing nor any judgement of it belongs in this repository; the JSON goes to
benchmarks/results/ (not tracked) unless `--json` says otherwise. A missing talks folder is named on
stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.eval_data import require_eval_data  # noqa: E402

TALKS = "align/ted-en-vi"
LANGS = ("en", "vi")
LABELS = ("PERSON", "ORG")


def write_talks(talks: Path, path: Path) -> int:
    """One JSONL document per talk and language (doc_id NAME-lang, group_id NAME, the talk's lines as text); returns the talks written."""
    names = sorted(p.stem for p in talks.glob("*.en") if (talks / f"{p.stem}.vi").exists())
    with path.open("w", encoding="utf-8") as out:
        for name in names:
            for lang in LANGS:
                text = (talks / f"{name}.{lang}").read_text(encoding="utf-8")
                out.write(json.dumps({"doc_id": f"{name}-{lang}", "group_id": name, "lang": lang, "text": text}, ensure_ascii=False) + "\n")
    return len(names)


def polycorpus(*args: str) -> None:
    """Runs the `polycorpus` command line of this interpreter's environment with `args`; raises CalledProcessError when it fails."""
    subprocess.run([sys.executable, "-m", "cluster.cli", *args], cwd=REPO, check=True)


def top_names(entities: Path, top: int) -> dict[str, dict[str, list[dict]]]:
    """{lang: {label: [{"text", "mentions", "sources": {source: n}}]}} for the `top` most mentioned names of the entities table."""
    rows = pq.read_table(entities, columns=["lang", "label", "text", "source"]).to_pylist()
    counts: Counter = Counter()
    sources: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    for row in rows:
        key = (row["lang"], row["label"], row["text"])
        counts[key] += 1
        sources[key][row["source"]] += 1
    out: dict[str, dict[str, list[dict]]] = {lang: {label: [] for label in LABELS} for lang in LANGS}
    for (lang, label, text), n in counts.most_common():
        if lang in out and label in out[lang] and len(out[lang][label]) < top:
            out[lang][label].append({"text": text, "mentions": n, "sources": dict(sources[(lang, label, text)])})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--work", type=Path, default=None, help="folder for the JSONL, documents and tables (default: a new temporary folder)")
    parser.add_argument("--top", type=int, default=40, help="names listed per language and label")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "entity_precision.json")
    args = parser.parse_args(argv)
    root = require_eval_data(args.eval_dir, TALKS)
    work = args.work or Path(tempfile.mkdtemp(prefix="polycorpus-precision-"))
    work.mkdir(parents=True, exist_ok=True)
    talks = write_talks(root / TALKS, work / "talks.jsonl")
    polycorpus("ingest", str(work / "talks.jsonl"), str(work / "docs"), "--overwrite")
    polycorpus("run", str(work / "docs" / "documents"), str(work / "out"), "--tasks", "tokenize,entities", "--workers", str(args.workers), "--force")
    listing = top_names(work / "out" / "entities", args.top)
    for lang in LANGS:
        for label in LABELS:
            names = listing[lang][label]
            print(f"\n== {lang} {label}: top {len(names)} of {talks} talks (mentions, sources)")
            for rank, name in enumerate(names, 1):
                src = ", ".join(f"{s} {n}" for s, n in sorted(name["sources"].items()))
                print(f"{rank:>3}. {name['text']}  ({name['mentions']}; {src})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"talks": talks, "work": str(work), "top": listing}, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
