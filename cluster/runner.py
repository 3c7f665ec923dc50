"""`polycorpus run`: plan which shards and tasks are left, hand one job per shard and phase to an executor, record the run.

The registered tasks (tasks/registry.py) run in phases: the tasks up to the first one with a corpus
step or with tables to read form the first phase, one job per shard; each such task starts a new phase,
its corpus step (a map over every shard, then its orchestration through the executor's MapReduce)
first. Shards are independent, so each is one future; a shard whose job keeps failing gets a failed
manifest and the others go on. Completed work is never redone unless asked (--force), and a failed
shard only with --retry-failed.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any

from cluster.client import apply_storage_options, open_executor
from cluster.config import Config, ConfigError
from cluster.executors import Executor
from cluster.failures import failure_message
from cluster.languages import language_specs, warn_unconfigured
from cluster.logs import LOG_DIR, run_log
from cluster.progress import Progress, count_documents
from cluster.shard_job import JobResult, ShardJob, corpus_map, run_job
from corpus.records import (
    Manifest,
    RunRecord,
    TaskHashes,
    new_run_id,
    package_versions,
    plan,
    read_manifests,
    table_digest,
    write_manifest,
    write_run_record,
)
from corpus.storage import Location, OutputUnwritable
from tasks.base import Task
from tasks.registry import registered, resolve
from tasks.shard import TaskRun

log = logging.getLogger(__name__)
WORK_DIR = "_work"  # OUT/_work/<table>/: a corpus step's intermediate files while it runs
CORPUS_FILE = "part-00000.parquet"  # a corpus step's saved table: OUT/<table>/part-00000.parquet, meta in OUT/<table>/_<table>.json


@dataclass
class RunSummary:
    """What a run did: shards done, skipped and failed, with the failure messages, and wall seconds per phase."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    failed_before: dict[str, str] = field(default_factory=dict)  # failed in an earlier run, not retried
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    unconfigured: set[str] = field(default_factory=set)  # languages met in the shards that `languages:` does not list


def phases(tasks: list[Task]) -> list[list[Task]]:
    """`tasks` (in run order) cut into phases: a task with a corpus step or tables to read starts a new one."""
    cut: list[list[Task]] = []
    for task in tasks:
        if not cut or task.corpus is not None or task.reads:
            cut.append([])
        cut[-1].append(task)
    return cut


def phase_name(phase: list[Task]) -> str:
    """What progress output and the run record call a phase of shard jobs: "annotate" when its tasks annotate, else its tasks' names."""
    return "annotate" if any(t.annotates for t in phase) else " + ".join(t.name for t in phase)


def plain_jobs(docs_url: str, out_url: str, config: Config) -> list[ShardJob]:
    """One job per shard of `docs_url` with every configured task of the first phase: what a plain loop over `run_job` does (benchmarks)."""
    first = phases(resolve(config.tasks))[0]
    runs = tuple(TaskRun(t, config.task_options(t.name)) for t in first)
    chash, languages = config.hash(), language_specs(config)
    return [
        ShardJob(docs_url, out_url, shard, runs, (), languages, chash, config.task_hashes(), config.run.batch_size)
        for shard in Location(docs_url).list(suffix=".parquet")
    ]


def run(docs_url: str, out_url: str, config: Config, force: bool = False, retry_failed: bool = False) -> RunSummary:
    """Run the configured tasks over every shard of `docs_url`, writing tables and manifests under `out_url`.

    Raises ConfigError before any work when DOCS has no shards or a model is missing, and OutputUnwritable
    when OUT takes no more data (finished shards are kept).
    """
    started = time.time()
    apply_storage_options(config.cluster.storage_options)
    docs = Location(docs_url)
    if not docs.exists() or docs.fs.isfile(docs.path()):
        raise ConfigError(f"DOCS {docs_url} is {'a file' if docs.exists() else 'missing'}; point run at the documents folder that ingest wrote (OUT/documents)")
    shards = docs.list(suffix=".parquet")
    if not shards:
        raise ConfigError(f"{docs_url} has no part-*.parquet files; point run at the documents folder that ingest wrote")
    tasks = resolve(config.tasks)
    out = Location(out_url)
    if out.exists() and out.fs.isfile(out.path()):
        raise ConfigError(f"OUT {out_url} is a file; give run a folder to write its tables into")
    out.makedirs()
    out.remove_temporary()  # left by writers killed mid-write in an earlier run
    values = _saved_values(out)
    template = ShardJob(docs.url, out.url, "", (), (), language_specs(config), config.hash(), config.task_hashes(values), config.run.batch_size)
    manifests = {} if force else read_manifests(out)  # --force redoes everything, so unreadable manifests are replaced
    states = plan(shards, manifests, tuple(t.name for t in tasks), template.hashes, force, retry_failed)
    summary = RunSummary(
        skipped=[s.shard for s in states if not s.todo],
        failed_before={s.shard: manifests[s.shard].error or "" for s in states if s.status == "failed" and not s.todo},
    )
    todo = {s.shard: set(s.todo) for s in states}
    done = {s.shard: set(s.kept) for s in states}
    cut = phases(tasks)
    planned = [s.shard for phase in cut for s in states if todo[s.shard] & {t.name for t in phase}]
    results: list[JobResult] = []
    if planned:  # a run with nothing left to do starts no cluster
        # a slurm cluster writes its workers' temporary TLS files (mode 0600) beside the run logs, on the disk they share
        with run_log(out), open_executor(config.cluster, out.path(LOG_DIR) if out.is_local else None) as executor:
            if executor.dashboard_link:
                print(f"Dask dashboard: {executor.dashboard_link}", file=sys.stderr)
            progress = Progress(count_documents(docs, planned))
            executor.listener = progress.step
            for number, phase in enumerate(cut):
                if config.task_hashes(values) != template.hashes:  # a corpus step of an earlier phase saved a new value: plan what reads it again
                    template = replace(template, hashes=config.task_hashes(values))
                    later = {t.name for p in cut[number:] for t in p}
                    for state in plan(shards, manifests, tuple(sorted(later)), template.hashes, force, retry_failed):
                        todo[state.shard] = (todo[state.shard] - later) | set(state.todo)
                        done[state.shard] = (done[state.shard] - later) | (set(state.kept) & later)
                jobs = []
                for shard in shards:
                    runs = tuple(TaskRun(t, config.task_options(t.name)) for t in phase if t.name in todo[shard])
                    if runs and shard not in summary.failed:
                        jobs.append(replace(template, shard=shard, runs=runs, already_done=tuple(sorted(done.get(shard, set()) - {r.task.name for r in runs}))))
                if jobs:
                    _run_phase(
                        executor,
                        out,
                        phase,
                        jobs,
                        [replace(template, shard=s) for s in shards if s not in summary.failed],
                        config,
                        force,
                        summary,
                        results,
                        progress,
                        done,
                        values,
                    )
            progress.close()
            summary.phases = progress.seconds
    summary.done = sorted({r.manifest.shard for r in results} - set(summary.failed))
    summary.seconds = round(time.time() - started, 3)
    write_run_record(out, _run_record(docs, config, tasks, summary, results, started))
    return summary


def _run_phase(
    executor: Executor,
    out: Location,
    phase: list[Task],
    jobs: list[ShardJob],
    every_shard: list[ShardJob],
    config: Config,
    force: bool,
    summary: RunSummary,
    results: list[JobResult],
    progress: Progress,
    done: dict[str, set[str]],
    values: dict[str, str],
) -> None:
    """One phase: the corpus step of its first task if it has one (a phase of its own in progress and the record, named after its table), then one job per shard.

    `values` gets the digest of the corpus step's saved value.
    """
    lead = phase[0]
    corpus: Any = None
    if lead.corpus is not None:
        progress.phase(lead.corpus.table)
        value = _corpus_value(executor, out, lead, config, jobs[0].hashes, every_shard, force, values)
        if isinstance(value, BaseException):
            progress.phase(phase_name(phase), [job.shard for job in jobs])
            for job in jobs:
                _fail(out, job, f"{lead.corpus.table}: {type(value).__name__}: {value}", summary)
                progress.advance(job.shard, failed=True)
            return
        if lead.corpus.by_shard is not None:  # each job ships its shard's part
            parts = lead.corpus.by_shard(value, [job.shard for job in jobs])
            jobs = [replace(job, corpus=((lead.name, parts[job.shard]),)) for job in jobs]
        else:
            corpus = executor.scatter({lead.name: value})
    progress.phase(phase_name(phase), [job.shard for job in jobs])
    outcomes = executor.map_unordered(run_job, jobs, corpus, retries=config.run.retries, final=(OutputUnwritable,), key=lambda j: j.shard)
    for job, outcome in outcomes:
        if isinstance(outcome, OutputUnwritable):
            raise outcome  # the disk is full or read-only: no retry, and no other shard can finish either
        failed = isinstance(outcome, BaseException)
        if failed:
            _fail(out, job, failure_message(outcome, config.cluster), summary)
        else:
            results.append(outcome)
            done.setdefault(job.shard, set()).update(job.todo)
            for lang in sorted(set(outcome.manifest.languages) - set(config.languages) - summary.unconfigured - {None}):
                summary.unconfigured.add(lang)
                warn_unconfigured(lang)
        progress.advance(job.shard, failed=failed)


def _saved_values(out: Location) -> dict[str, str]:
    """Task name -> digest of its corpus-step value saved under OUT (recorded in the value's meta), for every registered task that has one."""
    values = {}
    for task in registered().values():
        meta_file = f"_{task.corpus.table}.json" if task.corpus is not None else None
        if meta_file and out.exists(task.corpus.table, meta_file) and "digest" in (meta := out.read_json(task.corpus.table, meta_file)):
            values[task.name] = meta["digest"]
    return values


def _corpus_value(
    executor: Executor, out: Location, task: Task, config: Config, hashes: TaskHashes, every_shard: list[ShardJob], force: bool, values: dict[str, str]
) -> Any:
    """The task's corpus-step value: reused from OUT/<table>/ while the task's hash (on the configured languages) holds, else computed over every shard and saved.

    Map: the step's map runs where each shard is read; the step's own orchestration runs through the
    executor. Both may write intermediate files to OUT/_work/<table>/ (the shards' `workspace`), which is
    removed (with OUT/_work/) when the step ends, however it ends. The saved table's digest goes into its
    meta and `values`. An exception is returned, not raised: every shard of the phase fails with it and
    the other tables stay.
    """
    step = task.corpus
    meta_file = f"_{step.table}.json"
    task_hash = hashes.for_languages(config.languages)[task.name]
    if not force and out.exists(step.table, meta_file):
        meta = out.read_json(step.table, meta_file)
        if meta.get("task_hash") == task_hash and meta.get("version") == step.version and "digest" in meta:  # a table of another format is recomputed
            values[task.name] = meta["digest"]
            return step.load(out.read_table(step.table, CORPUS_FILE), meta)
    options = config.task_options(task.name)
    out.remove(WORK_DIR, step.table)  # a killed run's intermediate files
    workspace = f"{out.url.rstrip('/')}/{WORK_DIR}/{step.table}"
    try:
        mapped = executor.map(corpus_map, [replace(job, runs=(TaskRun(task, options),), workspace=workspace) for job in every_shard])
        value = step.run(executor, mapped, options)
    except Exception as exc:  # reported on every shard of the phase
        return exc
    finally:
        out.remove(WORK_DIR)  # corpus steps run one at a time
    table, meta = step.save(value)
    out.write_table(step.table, table, step.table, CORPUS_FILE, schema=task.schema(step.table))
    values[task.name] = table_digest(table)
    out.write_json({"task_hash": task_hash, "version": step.version, "digest": values[task.name], **meta}, step.table, meta_file)
    return value


def _fail(out: Location, job: ShardJob, message: str, summary: RunSummary) -> None:
    summary.failed[job.shard] = message
    write_manifest(
        out, Manifest(shard=job.shard, status="failed", tasks=list(job.already_done), failed_tasks=list(job.todo), config_hash=job.config_hash, error=message)
    )
    log.error("shard %s failed: %s", job.shard, message)


def _run_record(docs: Location, config: Config, tasks: list[Task], summary: RunSummary, results: list[JobResult], started: float) -> RunRecord:
    shard_seconds: dict[str, float] = {}
    task_seconds: dict[str, float] = {}
    for result in results:
        shard_seconds[result.manifest.shard] = round(shard_seconds.get(result.manifest.shard, 0.0) + result.seconds, 4)
        for name, seconds in result.timings.items():
            task_seconds[name] = round(task_seconds.get(name, 0.0) + seconds, 4)
    return RunRecord(
        run_id=new_run_id(started),
        docs=docs.url,
        config=config.recorded(),
        config_hash=config.hash(),
        tasks=[t.name for t in tasks],
        started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        seconds=summary.seconds,
        phases=summary.phases,
        task_seconds=dict(sorted(task_seconds.items())),
        documents=sum({r.manifest.shard: r.documents for r in results}.values()),
        shards_done=summary.done,
        shards_skipped=sorted(summary.skipped),
        shards_failed=summary.failed,
        shard_seconds=dict(sorted(shard_seconds.items())),
        versions=package_versions(),
    )
