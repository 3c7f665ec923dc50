"""Worker memory: the peak RSS of a real Dask worker process after `polycorpus run` with the default tasks and pipelines.

One LocalCluster worker (a nanny-managed process, as every cluster type starts them) runs the
configured tasks over a generated en/fr/vi corpus of small shards (tests/conftest.py's generator);
then each run's worker reports its peak RSS (VmHWM of /proc/self/status) and its RSS now. This is
the need per worker that `cluster/failures.py` quotes when workers keep dying, and what
`cluster.memory_limit` must leave room for (larger shards add to it: benchmarks/shard_memory.py).
Usage:

    PYTHONPATH=. .venv/bin/python benchmarks/worker_memory.py [--runs 3] [--tasks tokenize,entities,align]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _memory_mb() -> tuple[float, float]:
    """(peak RSS, RSS now) of this process in MB, from /proc/self/status."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmHWM"], fields["VmRSS"]


def measure(docs: Path, out: Path, tasks: list[str]) -> tuple[float, float]:
    """One fresh worker runs `tasks` over `docs` into `out`; its (peak, current) RSS in MB."""
    from distributed import Client

    from cluster import config as configuration
    from cluster.client import local_cluster
    from cluster.runner import run

    base = configuration.load(None, {"cluster": {"type": "local", "n_workers": 1, "memory_limit": None}})
    with local_cluster(base.cluster) as cluster, Client(cluster) as client:
        config = configuration.load(None, {"tasks": tasks, "cluster": {"type": "address", "scheduler_address": cluster.scheduler_address}})
        summary = run(str(docs), str(out), config)
        assert not summary.failed, summary.failed
        [(peak, now)] = client.run(_memory_mb).values()
    return peak, now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--groups", type=int, default=300, help="en/fr/vi document groups in the corpus")
    parser.add_argument("--tasks", default="tokenize,entities,align")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "worker_memory.json")
    args = parser.parse_args()
    from cluster.cli import main as polycorpus
    from tests.conftest import generated_jsonl

    tasks = args.tasks.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        assert polycorpus(["ingest", str(generated_jsonl(root / "gen.jsonl", groups=args.groups)), str(root / "in"), "--shard-size", "0.02"]) == 0
        docs = root / "in" / "documents"
        shards = len(list(docs.glob("part-*.parquet")))
        results = [measure(docs, root / f"out{i}", tasks) for i in range(args.runs)]
    peaks, nows = [p for p, _ in results], [n for _, n in results]
    print(f"tasks {args.tasks}, {shards} shards of about 20 kB, one worker, {args.runs} runs")
    print(f"{'run':>4}{'peak RSS MB':>13}{'RSS after MB':>14}")
    for i, (peak, now) in enumerate(results):
        print(f"{i:>4}{peak:>13.0f}{now:>14.0f}")
    print(f"median peak {statistics.median(peaks):.0f} MB")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "tasks": tasks,
                "shards": shards,
                "peak_mb": [round(p) for p in peaks],
                "rss_after_mb": [round(n) for n in nows],
                "median_peak_mb": round(statistics.median(peaks)),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
