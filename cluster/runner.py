"""`polycorpus run`: plan which shards and tasks are left, hand one job per shard to an executor, record the run.

Shards are independent, so each is one future; a shard whose task keeps failing gets a failed
manifest and the others go on. Completed work is never redone unless asked (--force), and a
failed shard only with --retry-failed.
"""

from __future__ import annotations

import logging
import platform
import re
import sys
import time
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Any

from corpus.manifest import RUN_FILE, plan, read_manifests, write_manifest
from corpus.storage import Location, OutputUnwritable
from cluster.client import apply_storage_options, open_executor
from cluster.logs import run_log
from cluster.config import ConfigError, config_hash
from cluster.progress import Progress, count_documents
from tasks.spacy.pipelines import LanguageSpec, PipelineError, check_spec
from tasks.align.corpus import (
    LEXICON_DIR,
    LEXICON_FILE,
    LEXICON_META,
    align_shard,
    estimate_all,
    first_pass,
    lexicons_from_table,
    lexicons_to_table,
    merge_shard_counts,
    shard_counts,
    with_dictionary,
)
from tasks.shard import SHARD_TASKS, ShardJob, process_shard

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did: shards done, skipped and failed, with the failure messages."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    failed_before: dict[str, str] = field(default_factory=dict)  # failed in an earlier run, not retried
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
    apply_storage_options(config["cluster"]["storage_options"])
    docs = Location(docs_url)
    shards = docs.list(suffix=".parquet")
    if not shards:
        raise ConfigError(f"{docs_url} has no part-*.parquet files; point run at the documents folder that ingest wrote")
    wanted = set(config["tasks"]) | ({"tokenize"} if "align" in config["tasks"] else set())
    tasks = tuple(t for t in ("tokenize", "entities", "align") if t in wanted)
    chash = config_hash(config)
    template = ShardJob(
        docs_url=docs.url,
        out_url="",
        shard="",
        todo=(),
        already_done=(),
        languages=language_specs(config),
        config_hash=chash,
        entity_options=task_options(config, "entities") if "entities" in tasks else None,
        align_options=task_options(config, "align") if "align" in tasks else None,
        batch_size=config["run"]["batch_size"],
    )
    out = Location(out_url)
    out.makedirs()
    out.remove_temporary()  # left by writers killed mid-write in an earlier run
    template = replace(template, out_url=out.url)
    manifests = read_manifests(out)
    states = plan(shards, manifests, tasks, chash, force, retry_failed)
    summary = RunSummary(
        skipped=[s.shard for s in states if not s.todo],
        failed_before={s.shard: manifests[s.shard].get("error", "") for s in states if s.status == "failed" and not s.todo},
    )
    shard_jobs, align_jobs = [], []
    for state in states:
        previous = manifests.get(state.shard, {})
        already = tuple(previous.get("tasks", ())) if previous.get("config_hash") == chash and not force else ()
        job = replace(template, shard=state.shard, todo=tuple(t for t in state.todo if t in SHARD_TASKS), already_done=tuple(t for t in already if t not in state.todo))
        if job.todo:
            shard_jobs.append(job)
        if "align" in state.todo:
            align_jobs.append(job)
    timings: dict[str, float] = {}
    retries = config["run"]["retries"]
    with run_log(out), open_executor(config["cluster"]) as executor:
        if executor.dashboard_link:
            print(f"Dask dashboard: {executor.dashboard_link}", file=sys.stderr)
        progress_jobs = [j.shard for j in shard_jobs + align_jobs]
        progress = Progress(progress_jobs, count_documents(docs, progress_jobs))
        _collect(executor.map_unordered(process_shard, shard_jobs, retries=retries, key=lambda j: j.shard), out, summary, timings, progress)
        align_jobs = [j for j in align_jobs if j.shard not in summary.failed]
        if align_jobs:
            lexicons = _corpus_lexicon(executor, out, [replace(template, shard=s) for s in shards if s not in summary.failed], force)
            if isinstance(lexicons, BaseException):
                message = f"lexicon: {type(lexicons).__name__}: {lexicons}"
                for job in align_jobs:
                    _fail(out, job, message, summary)
            else:
                outcomes = executor.map_unordered(align_shard, align_jobs, executor.scatter(lexicons), retries=retries, key=lambda j: j.shard)
                _collect(outcomes, out, summary, timings, progress)
        progress.close()
    summary.done = sorted(set(summary.done) - set(summary.failed))
    summary.seconds = round(time.time() - started, 3)
    out.write_json(_run_record(docs, config, tasks, chash, summary, timings, started), RUN_FILE)
    return summary


def _collect(outcomes: Any, out: Location, summary: RunSummary, timings: dict[str, float], progress: Progress) -> None:
    """Record each shard's outcome: a failed manifest for a task that failed after its retries."""
    for job, outcome in outcomes:
        if isinstance(outcome, OutputUnwritable):
            raise outcome  # the disk is full or read-only: no other shard can finish either
        failed = isinstance(outcome, BaseException)
        if failed:
            _fail(out, job, f"{type(outcome).__name__}: {outcome}", summary)
        else:
            summary.done.append(job.shard)
            timings[job.shard] = timings.get(job.shard, 0.0) + outcome.get("seconds", 0.0) + outcome.get("timings", {}).get("align", 0.0)
        progress.advance(job.shard, failed=failed)


def _fail(out: Location, job: ShardJob, message: str, summary: RunSummary) -> None:
    summary.failed[job.shard] = message
    write_manifest(out, job.shard, _failed_manifest(job, message))
    log.error("shard %s failed: %s", job.shard, message)


def _corpus_lexicon(executor: Any, out: Location, jobs: list[ShardJob], force: bool) -> dict | BaseException:
    """The corpus lexicon of every language pair: reused from OUT/lexicon/ or learned by EM over all shards.

    Map: each shard's confident sentence pairs stay on its worker, and each EM iteration computes
    expected counts there; reduce: counts are summed pairwise on the workers; the small M-step runs here.
    """
    options = jobs[0].align_options
    chash = jobs[0].config_hash
    if not force and out.exists(LEXICON_DIR, LEXICON_META) and out.read_json(LEXICON_DIR, LEXICON_META).get("config_hash") == chash:
        meta = out.read_json(LEXICON_DIR, LEXICON_META)
        return lexicons_from_table(out.read_table(LEXICON_DIR, LEXICON_FILE), meta["pairs"])
    try:
        pair_handles = [executor.submit(first_pass, job) for job in jobs]
        lexicons: dict = {}
        for _ in range(options.em_iterations):
            shared = executor.scatter(lexicons)
            counts = [executor.submit(shard_counts, handle, shared) for handle in pair_handles]
            while len(counts) > 1:
                counts = [executor.submit(merge_shard_counts, *counts[i : i + 2]) if i + 1 < len(counts) else counts[i] for i in range(0, len(counts), 2)]
            lexicons = estimate_all(executor.gather(counts)[0]) if counts else {}
        lexicons = with_dictionary(lexicons, options)
    except Exception as exc:  # every align shard fails with this message; the other tables stay
        return exc
    out.write_table("lexicon", lexicons_to_table(lexicons), LEXICON_DIR, LEXICON_FILE)
    out.write_json({"config_hash": chash, "pairs": sorted("-".join(p) for p in lexicons)}, LEXICON_DIR, LEXICON_META)
    return lexicons


def task_options(config: dict[str, Any], section: str) -> Any:
    """The typed options of a task (`entities` or `align`), from its config section."""
    if section == "entities":
        from tasks.entities.extract import EntityOptions as cls
    else:
        from tasks.align.aligner import AlignOptions as cls
    try:
        return cls(**config[section])
    except TypeError as exc:
        raise ConfigError(f"{section}: {exc}") from None


def _failed_manifest(job: ShardJob, message: str) -> dict:
    return {
        "shard": job.shard,
        "status": "failed",
        "tasks": list(job.already_done),
        "failed_tasks": list(job.todo),
        "config_hash": job.config_hash,
        "error": message,
    }


_SECRET = re.compile(r"secret|password|token|credential|key", re.IGNORECASE)


def _redacted(config: dict) -> dict:
    """The config as recorded in `_run.json`: storage option values that look like credentials hidden."""
    def hide(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: hide(v, str(k)) for k, v in value.items()}
        return "<redacted>" if value is not None and _SECRET.search(key) else value

    return {**config, "cluster": {**config["cluster"], "storage_options": hide(config["cluster"].get("storage_options", {}))}}


def _run_record(docs: Location, config: dict, tasks: tuple[str, ...], chash: str, summary: RunSummary, timings: dict, started: float) -> dict:
    versions = {}
    for package in ("polycorpus", "dask", "distributed", "spacy", "pyvi", "pyarrow"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "docs": docs.url,
        "config": _redacted(config),
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
