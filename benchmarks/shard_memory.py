"""Shard memory: peak RSS of one process running `tasks.shard.process_shard` over one shard of N MB, per size.

Each size runs in a fresh process: the pipelines are built and warmed on a tiny shard (baseline: the
RSS after that), then the peak RSS (VmHWM) is reset and the big shard processed. The table shows the
peak above the baseline per MB of shard text, what a worker must budget per shard. Documents are
generated like benchmarks/scaling.py (fr, vi, en news-like documents of 1-3 KB). Usage:

    PYTHONPATH=. .venv/bin/python benchmarks/shard_memory.py --eval-dir ../shared/eval --sizes 1,4 [--tasks tokenize,entities]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import tempfile
from pathlib import Path

from benchmarks.eval_data import require_eval_data
from benchmarks.scaling import POOL_FILES, _config, generate, sentence_pools

REPO = Path(__file__).resolve().parent.parent


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status in MB: VmRSS (now) or VmHWM (peak since start or the last reset)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    """Restart VmHWM from the current RSS (Linux: writing 5 to clear_refs)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
        handle.write("5")


def _write_shard(records: list[dict], folder: Path) -> Path:
    """All `records` as one documents shard under `folder`; returns the documents folder."""
    from corpus.ingest import ingest

    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "corpus.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    ingest([str(src)], str(folder / "in") + "/", shard_size_mb=1e6, overwrite=True)
    return folder / "in" / "documents"


def _measure(warm_docs: str, docs: str, out: str, tasks: list[str], queue: multiprocessing.Queue) -> None:
    from cluster.runner import plain_jobs
    from cluster.shard_job import run_job

    config = _config(tasks)

    def run(folder: str, target: str) -> None:
        for job in plain_jobs(folder, target, config):
            run_job(job)

    run(warm_docs, out + "-warm")
    gc.collect()
    baseline = _status_mb("VmRSS")
    _reset_peak()
    run(docs, out)
    queue.put((baseline, _status_mb("VmHWM")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--sizes", default="1,4", help="shard sizes in MB of text, comma-separated")
    parser.add_argument("--tasks", default="tokenize,entities")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "shard_memory.json")
    args = parser.parse_args()
    tasks = args.tasks.split(",")
    require_eval_data(args.eval_dir, *POOL_FILES)
    pools = sentence_pools(args.eval_dir)
    results = []
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        warm = _write_shard(generate(pools, 30, args.seed + 1), Path(tmp) / "warm")
        for size in [float(s) for s in args.sizes.split(",")]:
            records = generate(pools, int(size * 1e6 / 2000) + 1, args.seed)
            megabytes = sum(len(r["text"].encode()) for r in records) / 1e6
            docs = _write_shard(records, Path(tmp) / f"s{size}")
            queue = ctx.Queue()
            proc = ctx.Process(target=_measure, args=(str(warm), str(docs), str(Path(tmp) / f"out{size}"), tasks, queue))
            proc.start()
            baseline, peak = queue.get()
            proc.join()
            results.append(
                {
                    "mb": round(megabytes, 2),
                    "docs": len(records),
                    "baseline_mb": round(baseline),
                    "peak_mb": round(peak),
                    "growth_per_mb": round((peak - baseline) / megabytes, 1),
                }
            )
    print(f"tasks {args.tasks}")
    print(f"{'shard MB':>9}{'docs':>7}{'baseline MB':>13}{'peak MB':>9}{'growth MB/MB':>14}")
    for r in results:
        print(f"{r['mb']:>9.2f}{r['docs']:>7}{r['baseline_mb']:>13}{r['peak_mb']:>9}{r['growth_per_mb']:>14.1f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"tasks": tasks, "results": results}, indent=2))


if __name__ == "__main__":
    main()
