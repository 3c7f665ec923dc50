"""`polycorpus run`: plan which shards and tasks are left, hand one job per shard to an executor, record the run.

Shards are independent, so each is one future; a shard whose task keeps failing gets a failed
manifest and the others go on. Completed work is never redone unless asked (--force), and a
failed shard only with --retry-failed.
"""

from __future__ import annotations

import logging
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from corpus.manifest import RUN_FILE, plan, read_manifests, write_manifest
from corpus.storage import Location
from cluster.client import open_executor
from cluster.config import ConfigError, config_hash
from cluster.progress import Progress
from tasks.pipelines import LanguageSpec, PipelineError, check_spec
from tasks.shard import SHARD_TASKS, ShardJob, process_shard

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did: shards done, skipped and failed, with the failure messages."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def language_specs(config: dict[str, Any]) -> tuple[tuple[str, LanguageSpec], ...]:
    """The configured languages as pipeline specs, checked so that a missing model fails before any work."""
    specs = []
    for lang, entry in sorted(config["languages"].items()):
        spec = LanguageSpec(model=entry["model"], user_dict=entry["user_dict"], max_length=entry["max_length"])
        try:
            check_spec(lang, spec)
        except PipelineError as exc:
            raise ConfigError(str(exc)) from None
        specs.append((lang, spec))
    return tuple(specs)


def run(docs_url: str, out_url: str, config: dict[str, Any], force: bool = False, retry_failed: bool = False) -> RunSummary:
    """Run the configured tasks over every shard of `docs_url`, writing tables and manifests under `out_url`."""
    started = time.time()
    docs = Location(docs_url)
    shards = docs.list(suffix=".parquet")
    if not shards:
        raise ConfigError(f"{docs_url} has no part-*.parquet files; point run at the documents folder that ingest wrote")
    tasks = tuple(t for t in ("tokenize", "entities", "align") if t in config["tasks"])
    languages = language_specs(config)
    entity_options = _entity_options(config) if "entities" in tasks else None
    out = Location(out_url)
    out.makedirs()
    chash = config_hash(config)
    states = plan(shards, read_manifests(out), tasks, chash, force, retry_failed)
    summary = RunSummary()
    manifests = read_manifests(out)
    jobs = []
    for state in states:
        todo = tuple(t for t in state.todo if t in SHARD_TASKS)
        if not todo:
            summary.skipped.append(state.shard)
            continue
        previous = manifests.get(state.shard, {})
        already = tuple(previous.get("tasks", ())) if previous.get("config_hash") == chash and not force else ()
        jobs.append(
            ShardJob(
                docs_url=docs.url,
                out_url=out.url,
                shard=state.shard,
                todo=todo,
                already_done=tuple(t for t in already if t not in todo),
                languages=languages,
                config_hash=chash,
                entity_options=entity_options,
                batch_size=config["run"]["batch_size"],
            )
        )
    timings: dict[str, float] = {}
    with open_executor(config["cluster"]) as executor:
        if executor.dashboard_link:
            print(f"Dask dashboard: {executor.dashboard_link}", file=sys.stderr)
        progress = Progress(total=len(jobs))
        for job, outcome in executor.map_unordered(process_shard, jobs, retries=config["run"]["retries"], key=lambda j: j.shard):
            if isinstance(outcome, BaseException):
                message = f"{type(outcome).__name__}: {outcome}"
                summary.failed[job.shard] = message
                write_manifest(out, job.shard, _failed_manifest(job, message))
                log.error("shard %s failed: %s", job.shard, message)
            else:
                summary.done.append(job.shard)
                timings[job.shard] = outcome["seconds"]
            progress.advance(job.shard, failed=isinstance(outcome, BaseException))
        progress.close()
    summary.seconds = round(time.time() - started, 3)
    out.write_json(_run_record(docs, config, tasks, chash, summary, timings, started), RUN_FILE)
    return summary


def _entity_options(config: dict[str, Any]) -> Any:
    from tasks.entities import EntityOptions

    try:
        return EntityOptions(**config["entities"])
    except TypeError as exc:
        raise ConfigError(f"entities: {exc}") from None


def _failed_manifest(job: ShardJob, message: str) -> dict:
    return {
        "shard": job.shard,
        "status": "failed",
        "tasks": list(job.already_done),
        "failed_tasks": list(job.todo),
        "config_hash": job.config_hash,
        "error": message,
    }


def _run_record(docs: Location, config: dict, tasks: tuple[str, ...], chash: str, summary: RunSummary, timings: dict, started: float) -> dict:
    versions = {}
    for package in ("polycorpus", "dask", "distributed", "spacy", "pyvi", "pyarrow"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "docs": docs.url,
        "config": config,
        "config_hash": chash,
        "tasks": list(tasks),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": summary.seconds,
        "shards_done": sorted(summary.done),
        "shards_skipped": sorted(summary.skipped),
        "shards_failed": summary.failed,
        "shard_seconds": dict(sorted(timings.items())),
        "python": platform.python_version(),
        "versions": versions,
    }
