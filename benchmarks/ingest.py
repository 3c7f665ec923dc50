"""Ingest at scale: peak RSS and MB/s of `polycorpus ingest` on a generated JSONL corpus, one process and N workers.

The corpus is generated under a temporary folder (deleted afterwards): groups of a French and a
Vietnamese document of about 2 KB each, the French members in `news.fr.jsonl` in group order and the
Vietnamese ones in `news.vi.jsonl` shuffled, so every group's members are far apart. Each run is a
fresh `polycorpus ingest` process; its peak RSS is the kernel's ru_maxrss of that process (wait4),
the rate is input bytes over wall seconds, and over the CPU seconds of the process and of every
process it started (a LocalCluster's forkserver and workers; its scheduler and nannies run in the
ingest process; this process adopts the orphans to count them): on a
loaded machine the wall rate mostly measures the other jobs, while one process's CPU rate is what an
idle core gives. Runs are interleaved (one of each configuration per round) and the table shows
medians over the rounds, with the 1-minute load average as each run started, because the machine may
be shared. With `--workers N` the run uses `--cluster local --workers N` (its RSS column is the
client's). On Linux with autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled` = 1), `nice`
ranks processes only within their session: each other busy session still takes an equal share of the
cores, however niced its jobs are.

    PYTHONPATH=. .venv/bin/python benchmarks/ingest.py --sizes-gb 0.5,2 --workers 2 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_FR = [
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "marché",
    "société",
    "programmeurs",
    "intelligence",
    "artificielle",
    "valorisation",
    "record",
    "année",
    "entreprise",
    "Paris",
    "données",
    "modèle",
]
_VI = [
    "thị",
    "trường",
    "trí",
    "tuệ",
    "nhân",
    "tạo",
    "đang",
    "được",
    "định",
    "giá",
    "mức",
    "gần",
    "như",
    "lập",
    "trình",
    "viên",
    "công",
    "ty",
    "Hà",
    "Nội",
    "năm",
    "dữ",
    "liệu",
    "mô",
    "hình",
]


def generate(folder: Path, total_bytes: int, seed: int = 5) -> list[Path]:
    """Two JSONL files of about `total_bytes` together: group g's fr member in order, its vi member shuffled."""
    rng = random.Random(seed)
    pools = {
        lang: [" ".join(rng.choice(words) for _ in range(rng.randint(6, 16))).capitalize() + "." for _ in range(4000)]
        for lang, words in (("fr", _FR), ("vi", _VI))
    }
    groups = max(1, total_bytes // 3800)
    paths = []
    for lang in ("fr", "vi"):
        order = list(range(groups))
        if lang == "vi":
            rng.shuffle(order)
        path = folder / f"news.{lang}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            pool = pools[lang]
            for g in order:
                text = " ".join(rng.choices(pool, k=24))
                handle.write(json.dumps({"group_id": f"g{g}", "lang": lang, "title": f"t{g}", "text": text}, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


def _adopt_orphans() -> None:
    """Make this process the reaper of its orphaned descendants (Linux's PR_SET_CHILD_SUBREAPER).

    A LocalCluster's workers are forked by a forkserver, and the forkserver outlives the ingest process
    by a moment: adopted, it and what it reaped count in this process's RUSAGE_CHILDREN.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def run_ingest(inputs: list[Path], out: Path, workers: int) -> dict:
    """One `polycorpus ingest` process over `inputs`: wall and CPU seconds, its peak RSS in MB, and the 1-minute load average as it started.

    CPU seconds are those of the process and of every process it started (workers, forkserver),
    once all of them have exited.
    """
    command = [sys.executable, "-m", "cluster.cli", "ingest", *map(str, inputs), str(out), "--overwrite"]
    if workers:
        command += ["--cluster", "local", "--workers", str(workers)]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read() if process.stderr else ""
    while True:  # the adopted forkserver and resource tracker, which exit once the ingest process has
        try:
            os.wait4(-1, 0)
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if status:
        raise RuntimeError(f"ingest failed: {stderr}")
    shutil.rmtree(out, ignore_errors=True)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": usage.ru_maxrss / 1024, "load_1min": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes-gb", default="0.5,2", help="input sizes in GB (10^9 bytes), comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="also run with --cluster local --workers N at the largest size (0: skip)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "ingest.json")
    args = parser.parse_args()
    _adopt_orphans()
    sizes = [float(s) for s in args.sizes_gb.split(",")]
    root = Path(tempfile.mkdtemp(prefix="polycorpus-ingest-bench-", dir=args.tmp))
    try:
        corpora = {}
        for size in sizes:
            folder = root / f"in-{size}"
            folder.mkdir()
            corpora[size] = generate(folder, int(size * 1e9))
        configs = [(size, 0) for size in sizes] + ([(max(sizes), args.workers)] if args.workers else [])
        runs: dict[tuple[float, int], list[dict]] = {c: [] for c in configs}
        for round_number in range(args.rounds):
            for size, workers in configs:
                result = run_ingest(corpora[size], root / "out", workers)
                megabytes = sum(p.stat().st_size for p in corpora[size]) / 1e6
                result["input_mb"] = megabytes
                result["mb_per_s"] = megabytes / result["seconds"]
                result["mb_per_cpu_s"] = megabytes / result["cpu_seconds"]
                runs[(size, workers)].append(result)
                print(f"round {round_number + 1}: {size} GB, workers {workers or '1 process'}: {result}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    rows = []
    for (size, workers), results in runs.items():
        rows.append(
            {
                "input_gb": size,
                "input_mb": results[0]["input_mb"],
                "workers": workers or None,
                "runs": len(results),
                "median_seconds": statistics.median(r["seconds"] for r in results),
                "median_mb_per_s": statistics.median(r["mb_per_s"] for r in results),
                "median_mb_per_cpu_s": statistics.median(r["mb_per_cpu_s"] for r in results),
                "median_peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in results),
                "median_load_1min": statistics.median(r["load_1min"] for r in results),
                "all": results,
            }
        )
    one = {r["input_gb"]: r for r in rows if r["workers"] is None}
    summary = {"load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count()}
    if len(one) > 1:
        small, big = one[min(one)], one[max(one)]
        summary["rss_ratio_big_over_small"] = big["median_peak_rss_mb"] / small["median_peak_rss_mb"]
    parallel = [r for r in rows if r["workers"]]
    if parallel:
        summary["speedup_workers_over_one_process"] = parallel[0]["median_mb_per_s"] / one[parallel[0]["input_gb"]]["median_mb_per_s"]
    print(f"{'input GB':>9} {'MB':>6} {'workers':>8} {'runs':>5} {'median s':>9} {'MB/s':>7} {'MB/CPU-s':>9} {'peak RSS MB':>12} {'load':>5}")
    for r in rows:
        print(
            f"{r['input_gb']:>9} {r['input_mb']:>6.0f} {r['workers'] or '1 proc':>8} {r['runs']:>5} {r['median_seconds']:>9.1f} {r['median_mb_per_s']:>7.1f}"
            f" {r['median_mb_per_cpu_s']:>9.1f} {r['median_peak_rss_mb']:>12.0f} {r['median_load_1min']:>5.1f}"
        )
    for key, value in summary.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
