"""Document alignment accuracy, time and memory on a corpus built from EVAL/align, at 1x, 4x (and `--scales`) its size.

The corpus: the TED en-vi talks cut into chunks of about 25 English lines along the gold beads (a chunk
and its Vietnamese beads form a pair; the chunks of one talk share names and topic, so they are hard
negatives of each other), the TED fr-vi documents and the Text+Berg de-fr document, each side a document
with an opaque id and no group_id, shuffled into shards. One side of about 10% of the pairs of each data
set is dropped (rounded, so the single de-fr pair stays), leaving documents with no partner.

4x (any k of `--scales`): the 1x corpus four (k) times over with fresh ids. A replica is an exact copy, so in one pool every
document would have three identical twins in its language and its partner three: perfect hard negatives,
with scores equal to the true pair's, which no content-based method can tell apart and which the
assignment's margin (a pair must stand out from each document's next candidates) rightly refuses. So
each copy gets its own `source`, and both scales run with `restrict: source`: the 4x run is four
independent corpora in one run (one job, one join, one assignment), which is what its time and memory
measure. `--mix-replicas` pools the copies instead (expect recall near 0: every pair is ambiguous).
A pair counts as correct when it joins the two sides of one gold pair of one copy.

Precision is over the pairs written, recall over the gold pairs whose both sides were kept; a pair of
two languages that the corpus never pairs (say en-fr) counts against the precision of its language pair
and overall. Seconds and peak RSS are of `polycorpus run --tasks docalign` in a fresh process, on a fresh
LocalCluster of `--workers` (2) worker processes, or in that one process with `--workers 0` (`--cluster
sync`); the median of `--repeat` interleaved runs (a shared machine: expect noise). Memory is the driver's
peak RSS (the runner and, on a LocalCluster, the scheduler) and each worker's peak RSS (VmHWM), read from
the workers after the run. Targets: time at 4x at most 4.5x the time at 1x; a worker's peak does not
grow with the number of documents (each scale's worker peak is also given relative to 1x). Usage:

    PYTHONPATH=. .venv/bin/python benchmarks/docalign_eval.py --eval-dir ../shared/eval [--scales 1,4,8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.align_eval import read_gold
from benchmarks.eval_data import require_eval_data

REPO = Path(__file__).resolve().parents[1]
CHUNK_LINES = 25
DROP_SHARE = 0.10
SHARDS_AT_1X = 4
# data set folder, source language, target language, gold suffix, cut into chunks
DATASETS = [("ted-en-vi", "en", "vi", "envi", True), ("ted-fr-vi", "fr", "vi", "frvi", False), ("textberg-de-fr-dev", "de", "fr", "defr", False)]


def gold_pairs(eval_dir: Path) -> list[tuple[str, str, str, str, str]]:
    """(pair id, source language, source text, target language, target text) of every document pair of the corpus."""
    pairs = []
    for folder, sl, tl, suffix, chunked in DATASETS:
        for gold in sorted((eval_dir / "align" / folder).glob(f"*.{suffix}")):
            src = gold.with_suffix(f".{sl}").read_text(encoding="utf-8").splitlines()
            tgt = gold.with_suffix(f".{tl}").read_text(encoding="utf-8").splitlines()
            if not chunked:
                pairs.append((f"{folder}/{gold.stem}", sl, "\n".join(src), tl, "\n".join(tgt)))
                continue
            chunk: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
            for bead in [*read_gold(gold), None]:
                if bead is not None:
                    chunk.append(bead)
                if chunk and (bead is None or sum(len(b[0]) for b in chunk) >= CHUNK_LINES):
                    s = [src[i] for b in chunk for i in b[0]]
                    t = [tgt[i] for b in chunk for i in b[1]]
                    if s and t:
                        pairs.append((f"{folder}/{gold.stem}#{len(pairs)}", sl, "\n".join(s), tl, "\n".join(t)))
                    chunk = []
    return pairs


def build(eval_dir: Path, seed: int) -> tuple[list[dict], set[tuple[str, str]]]:
    """The 1x documents (pair id and side in `meta`) with one side of DROP_SHARE of each data set's pairs dropped, and the gold pairs kept whole."""
    rng = random.Random(seed)
    pairs = gold_pairs(eval_dir)
    by_set: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_set[p[0].split("/")[0]].append(i)
    dropped: dict[int, int] = {}
    for members in by_set.values():
        for i in rng.sample(members, round(len(members) * DROP_SHARE)):
            dropped[i] = rng.randrange(2)
    records, gold = [], set()
    for i, (pid, sl, st, tl, tt) in enumerate(pairs):
        for side, (lang, text) in enumerate(((sl, st), (tl, tt))):
            if dropped.get(i) != side:
                records.append({"lang": lang, "text": text, "pair": pid, "side": side})
        if i not in dropped:
            gold.add((pid, f"{sl}-{tl}"))
    return records, gold


def replicate(records: list[dict], copies: int, restrict: bool, seed: int) -> list[dict]:
    """`copies` copies of the records with fresh opaque ids, shuffled; with `restrict` each copy has its own source."""
    out = []
    for copy in range(copies):
        for r in records:
            doc_id = hashlib.sha1(f"{copy}\0{r['pair']}\0{r['side']}".encode()).hexdigest()[:16]
            out.append(
                {"doc_id": doc_id, "lang": r["lang"], "text": r["text"], "source": f"copy-{copy}" if restrict else "eval", "pair": r["pair"], "copy": copy}
            )
    random.Random(seed).shuffle(out)
    return out


def write_documents(records: list[dict], folder: Path, shard_mb: float) -> Path:
    """Ingest the records (pair ids in meta) into shards of `shard_mb`; returns the documents folder."""
    from corpus.ingest import ingest

    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "corpus.jsonl"
    with src.open("w", encoding="utf-8") as handle:
        for r in records:
            handle.write(json.dumps({"doc_id": r["doc_id"], "lang": r["lang"], "text": r["text"], "source": r["source"]}, ensure_ascii=False) + "\n")
    ingest([str(src)], str(folder / "in"), shard_size_mb=shard_mb, overwrite=True)
    return folder / "in" / "documents"


def _memory_mb() -> float:
    """Peak RSS of this process in MB (VmHWM of /proc/self/status): run on each worker after a run."""
    with open("/proc/self/status", encoding="ascii") as handle:
        return next(int(line.split()[1]) / 1024 for line in handle if line.startswith("VmHWM:"))


def _timed_run(docs: str, out: str, restrict: bool, workers: int, queue: Any) -> None:
    from cluster import config as configuration
    from cluster.runner import run

    options = {"tasks": ["docalign"], "docalign": {"restrict": "source" if restrict else None}}
    if not workers:
        config = configuration.load(None, {**options, "cluster": {"type": "sync"}})
        started = time.perf_counter()
        summary = run(docs, out, config)
        seconds, peaks = time.perf_counter() - started, []
    else:
        from distributed import Client

        from cluster.client import local_cluster

        base = configuration.load(None, {"cluster": {"type": "local", "n_workers": workers, "memory_limit": None}})
        with local_cluster(base.cluster) as cluster, Client(cluster) as client:
            config = configuration.load(None, {**options, "cluster": {"type": "address", "scheduler_address": cluster.scheduler_address}})
            started = time.perf_counter()
            summary = run(docs, out, config)
            seconds = time.perf_counter() - started
            peaks = sorted(client.run(_memory_mb).values())
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, peaks, len(summary.failed)))


def timed(docs: Path, out: Path, restrict: bool, workers: int) -> tuple[float, float, list[float]]:
    """Seconds, the driver's peak RSS (MB; with the scheduler when `workers`) and each worker's peak RSS (MB) of one docalign run.

    The run is in a fresh spawned process, into a fresh OUT: in that process alone (`workers` 0, `--cluster
    sync`), or on a fresh LocalCluster of `workers` worker processes it starts.
    """
    shutil.rmtree(out, ignore_errors=True)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_timed_run, args=(str(docs), str(out), restrict, workers, queue))
    process.start()
    seconds, rss, peaks, failed = queue.get()
    process.join()
    if failed:
        raise RuntimeError(f"{failed} shards failed in {out}")
    return seconds, rss, peaks


def score(out: Path, records: list[dict], gold: set[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Precision and recall of the written pairs per language pair and overall; a pair is correct when it joins one copy's gold pair."""
    import pyarrow.parquet as pq

    by_id = {r["doc_id"]: r for r in records}
    copies = {r["copy"] for r in records}
    found = pq.read_table(out / "document_pairs").to_pylist()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # correct, written, gold
    for row in found:
        a, b = by_id[row["src_doc_id"]], by_id[row["tgt_doc_id"]]
        key = f"{row['src_lang']}-{row['tgt_lang']}"
        counts[key][1] += 1
        counts[key][0] += int(a["pair"] == b["pair"] and a["copy"] == b["copy"] and (a["pair"], key) in gold)
    for _, key in gold:
        counts[key][2] += len(copies)
    result = {}
    for key, (correct, written, wanted) in sorted(counts.items()):
        result[key] = {"precision": correct / written if written else 1.0, "recall": correct / wanted if wanted else 1.0, "pairs": written, "gold": wanted}
    correct, written, wanted = (sum(c[i] for c in counts.values()) for i in range(3))
    result["overall"] = {"precision": correct / written if written else 1.0, "recall": correct / wanted if wanted else 1.0, "pairs": written, "gold": wanted}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO / ".." / "shared" / "eval")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved timed runs per scale; the median is reported")
    parser.add_argument("--mix-replicas", action="store_true", help="pool the 4x copies (one source, no restriction) instead of one source each")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes; 0 runs in one process (--cluster sync)")
    parser.add_argument("--scales", default="1,4", help="corpus sizes to run, as multiples of the 1x corpus; must include 1 and 4")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "docalign.json")
    args = parser.parse_args()
    factors = sorted({int(x) for x in args.scales.split(",")})
    if not {1, 4} <= set(factors):
        parser.error(f"--scales must include 1 and 4 (got {args.scales})")
    eval_dir = require_eval_data(args.eval_dir, *(f"align/{folder}" for folder, *_ in DATASETS))
    base, gold = build(eval_dir, args.seed)
    work = Path(tempfile.mkdtemp(prefix="docalign-eval-"))
    try:
        corpora, scales = {}, {}
        shard_mb = sum(len(r["text"].encode()) for r in base) / 1e6 / SHARDS_AT_1X * 1.0001
        for factor in factors:
            records = replicate(base, factor, not args.mix_replicas, args.seed + factor)
            corpora[factor] = (records, write_documents(records, work / f"x{factor}", shard_mb))
        times: dict[int, list[tuple[float, float, list[float]]]] = {factor: [] for factor in factors}
        for _ in range(args.repeat):
            for factor in factors:
                times[factor].append(timed(corpora[factor][1], work / f"out-x{factor}", not args.mix_replicas, args.workers))
        for factor in factors:
            records, docs = corpora[factor]
            scales[f"{factor}x"] = {
                "documents": len(records),
                "shards": len(list(Path(docs).glob("*.parquet"))),
                "seconds": round(statistics.median(t for t, _, _ in times[factor]), 3),
                "driver_peak_rss_mb": round(statistics.median(r for _, r, _ in times[factor]), 1),
                "worker_peak_rss_mb": round(statistics.median(max(w) for _, _, w in times[factor]), 1) if args.workers else None,
                "runs": [{"seconds": round(t, 3), "driver_mb": round(r, 1), "workers_mb": [round(x, 1) for x in w]} for t, r, w in times[factor]],
                "accuracy": score(work / f"out-x{factor}", records, gold),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = scales["4x"]["seconds"] / scales["1x"]["seconds"]
    print(f"{'scale':<6}{'docs':>6}{'shards':>7}{'seconds':>9}{'driver MB':>10}{'worker MB':>10}  pair   precision  recall  pairs  gold")
    for name, s in scales.items():
        for i, (key, acc) in enumerate(s["accuracy"].items()):
            worker = f"{s['worker_peak_rss_mb']:>10.0f}" if s["worker_peak_rss_mb"] is not None else f"{'-':>10}"
            head = f"{name:<6}{s['documents']:>6}{s['shards']:>7}{s['seconds']:>9.2f}{s['driver_peak_rss_mb']:>10.0f}{worker}" if i == 0 else " " * 48
            print(f"{head}  {key:<7}{acc['precision']:>8.3f}{acc['recall']:>8.3f}{acc['pairs']:>7}{acc['gold']:>6}")
    print(f"time 4x / 1x = {ratio:.2f} (target <= 4.5); targets: precision >= 0.95, recall >= 0.90 overall and per pair")
    print(
        "RSS: the driver's peak (with the scheduler when on a LocalCluster) and the largest worker's peak, medians; target: a worker's peak does not grow with documents"
    )
    growth = {}
    if args.workers:
        base_peak = scales["1x"]["worker_peak_rss_mb"]
        growth = {name: round(s["worker_peak_rss_mb"] / base_peak - 1, 4) for name, s in scales.items() if name != "1x"}
        runs_1x = [max(w) for _, _, w in times[1]]
        print(
            "worker peak vs 1x: "
            + ", ".join(f"{name} {g:+.1%}" for name, g in growth.items())
            + f"; 1x run to run: {min(runs_1x):.0f}-{max(runs_1x):.0f} MB over {len(runs_1x)} runs"
        )
    result = {
        "restrict_replicas": not args.mix_replicas,
        "seed": args.seed,
        "repeat": args.repeat,
        "workers": args.workers,
        "scales": scales,
        "time_ratio_4x_1x": round(ratio, 3),
        "worker_peak_growth_vs_1x": growth,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
