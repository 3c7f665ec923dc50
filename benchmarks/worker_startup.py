"""Worker start-up: how long a fresh worker process takes before its first document, by phase.

A Dask worker process imports `distributed`, then its first shard job imports the runner's worker side
(cluster/shard_job.py) and the modules of the tasks it runs, and builds each language's pipeline with
the components of those tasks (tasks/spacy/pipelines.py `get_nlp`, cached for the life of the process).
Each run does exactly that in a new spawned process and reports CPU and wall seconds per phase; runs
are repeated and medians printed. CPU seconds are what a shared machine distorts least.

    PYTHONPATH=. .venv/bin/python benchmarks/worker_startup.py [--runs 5] [--tasks tokenize,entities] [--langs fr,vi,en]

With PYTHONPATH naming another checkout, the same script times that checkout's code (before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

from benchmarks.scaling import in_fresh_process

REPO = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _phases(tasks: list[str], langs: list[str]) -> dict[str, tuple[float, float]]:
    """In a fresh process: the phases of a worker's start, as {phase: (cpu s, wall s)}."""
    times: dict[str, tuple[float, float]] = {}
    cpu, wall = _cpu(), time.perf_counter()

    def phase(name: str) -> None:
        nonlocal cpu, wall
        times[name] = (_cpu() - cpu, time.perf_counter() - wall)
        cpu, wall = _cpu(), time.perf_counter()

    import distributed  # noqa: F401  (what every worker process imports first)

    phase("import distributed")
    import cluster.shard_job  # noqa: F401
    from tasks.registry import resolve

    runs = resolve(tasks)
    phase("import shard job and tasks")
    from cluster import config as configuration
    from cluster.languages import language_specs

    config = configuration.load(None, {"tasks": tasks})
    specs = dict(language_specs(config))
    options = {run.name: config.task_options(run.name) for run in runs}
    phase("(client side: config, not a worker's)")
    from tasks.shard import language_spec
    from tasks.spacy.pipelines import get_nlp

    components = tuple((run.components, options[run.name]) for run in runs if run.annotates and run.components is not None)
    for lang in langs:
        get_nlp(lang, language_spec(specs, lang), components)
        phase(f"pipeline {lang}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", default="tokenize,entities")
    parser.add_argument("--langs", default="fr,vi,en")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "worker_startup.json")
    args = parser.parse_args()
    tasks = [t for t in args.tasks.split(",") if t]
    langs = [lang for lang in args.langs.split(",") if lang]
    runs = [in_fresh_process(_phases, tasks, langs) for _ in range(args.runs)]
    load = os.getloadavg()[0]
    print(f"tasks {','.join(tasks)}, languages {','.join(langs)}; {args.runs} fresh processes; load average {load:.2f} after the runs")
    print(f"{'phase':40}{'CPU s':>8}{'wall s':>8}")
    medians = {}
    for name in runs[0]:
        cpu = statistics.median(r[name][0] for r in runs)
        wall = statistics.median(r[name][1] for r in runs)
        medians[name] = {"cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3)}
        print(f"{name:40}{cpu:8.2f}{wall:8.2f}")
    worker = [name for name in runs[0] if not name.startswith("(")]
    cpu = statistics.median(sum(r[name][0] for name in worker) for r in runs)
    wall = statistics.median(sum(r[name][1] for name in worker) for r in runs)
    print(f"{'worker ready (all but the client side)':40}{cpu:8.2f}{wall:8.2f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "tasks": tasks,
        "langs": langs,
        "runs": args.runs,
        "load_average": round(load, 2),
        "phases": medians,
        "worker_ready": {"cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3)},
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
