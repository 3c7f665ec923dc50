"""Faults with real processes and signals: a worker killed, the whole run killed, a shard that keeps failing, a full disk.

After each, OUT must hold every document exactly once, equal to a clean run's tables (compared as
sorted row hashes), with no stray part or temporary files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import generated_jsonl, polycorpus, read_dir

REPO = Path(__file__).resolve().parent.parent
TABLES = ("sentences", "tokens", "errors")
RUN = ("--tasks", "tokenize")


def cli(*args: object) -> list[str]:
    """The command line of `polycorpus ARGS` run by this interpreter from the repository."""
    return [sys.executable, "-m", "cluster.cli", *(str(a) for a in args)]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def row_hashes(out: Path, table: str) -> list[str]:
    """Sorted content hashes of a table's rows: equal lists mean equal tables, whatever the file layout."""
    rows = read_dir(out / table).to_pylist()
    return sorted(hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest() for r in rows)


def shard_names(docs: Path) -> list[str]:
    return sorted(p.name for p in docs.glob("part-*.parquet"))


def manifests(out: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted((out / "_manifest").glob("part-*.json"))}


def stray_files(out: Path) -> list[Path]:
    """Temporary files, and part files of shards that have no done manifest."""
    done = {m["shard"].removesuffix(".parquet") for m in manifests(out).values() if m["status"] == "done"}
    stray = list(out.rglob(".*.tmp"))
    stray += [p for t in TABLES for p in (out / t).glob("part-*.parquet") if p.stem not in done]
    return stray


def assert_exactly_once(out: Path, clean: Path, docs: Path) -> None:
    """Every table equals the clean run's, every document's sentences are numbered 0..n-1 once, DuckDB sees the same."""
    for table in TABLES:
        assert row_hashes(out, table) == row_hashes(clean, table), table
    per_doc: dict[str, list[int]] = {}
    for row in read_dir(out / "sentences").to_pylist():
        per_doc.setdefault(row["doc_id"], []).append(row["sent_idx"])
    assert all(sorted(idx) == list(range(len(idx))) for idx in per_doc.values())
    assert set(per_doc) == set(read_dir(docs).column("doc_id").to_pylist())
    [(count,)] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/sentences/*.parquet')").fetchall()
    assert count == sum(len(v) for v in per_doc.values())


def wait_for_manifests(out: Path, at_least: int, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while len(manifests(out)) < at_least:
        assert proc.poll() is None, f"the run ended early: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a process we started in its own session, and whatever it started, then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes its pipes


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small English corpus in 40+ shards (the blank en pipeline keeps every process quick to start)."""
    root = tmp_path_factory.mktemp("faults")
    lines = generated_jsonl(root / "gen.jsonl", groups=400).read_text(encoding="utf-8").splitlines()
    (root / "en.jsonl").write_text("".join(line + "\n" for line in lines if json.loads(line)["lang"] == "en"), encoding="utf-8")
    assert polycorpus("ingest", root / "en.jsonl", root / "ingested", "--shard-size", "0.001") == 0
    folder = root / "ingested" / "documents"
    assert len(shard_names(folder)) >= 40
    return folder


@pytest.fixture(scope="module")
def clean(docs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: one uninterrupted in-process run."""
    out = tmp_path_factory.mktemp("clean")
    assert polycorpus("run", docs, out, *RUN, "--cluster", "sync") == 0
    return out


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen]]]:
    """A `dask scheduler` and two single-threaded `dask worker` processes (no nanny) on 127.0.0.1."""
    scheduler_file = tmp_path / "scheduler.json"
    dask = str(Path(sys.executable).with_name("dask"))
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
            env=env(),
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [dask, "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
                    env=env(),
                    cwd=REPO,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        yield scheduler_file, procs
    finally:
        for proc in procs:
            kill_group(proc)


def test_killed_worker_is_replaced_and_every_document_appears_once(docs: Path, clean: Path, dask_cluster, tmp_path: Path) -> None:
    scheduler_file, procs = dask_cluster
    out = tmp_path / "out"
    run = subprocess.Popen(
        cli("run", docs, out, *RUN, "--scheduler-file", scheduler_file),
        env=env(),
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_manifests(out, 1, run)
        os.kill(procs[1].pid, signal.SIGKILL)  # a worker dies with a shard in hand
        assert len(manifests(out)) < len(shard_names(docs)), "kill the worker mid-run: use more or larger shards"
        procs[1].wait(timeout=30)
        _, stderr = run.communicate(timeout=300)
    finally:
        kill_group(run)
    assert run.returncode == 0, stderr
    assert len(manifests(out)) == len(shard_names(docs))
    assert all(m["status"] == "done" for m in manifests(out).values())
    assert_exactly_once(out, clean, docs)


def test_killed_run_resumes_only_unfinished_shards(docs: Path, clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = subprocess.Popen(
        cli("run", docs, out, *RUN, "--workers", "1"), env=env(), cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_manifests(out, 1, run)
    finally:
        kill_group(run)  # the run, its scheduler and its worker, mid-way
    finished = sorted(m["shard"] for m in manifests(out).values())
    # Files of finished shards only: a shard killed after its tables but before its manifest is rightly redone.
    stems = {shard.split(".")[0] for shard in finished}
    before = {p: p.stat().st_mtime_ns for p in out.rglob("part-*") if p.parent.name in ("_manifest", *TABLES) and p.name.split(".")[0] in stems}
    assert 0 < len(finished) < len(shard_names(docs)), "kill the run mid-way: use more or larger shards"

    assert polycorpus("run", docs, out, *RUN, "--cluster", "sync") == 0
    record = json.loads((out / "_run.json").read_text())
    assert record["shards_skipped"] == finished
    assert sorted(record["shards_done"]) == sorted(set(shard_names(docs)) - set(finished))
    assert {p: p.stat().st_mtime_ns for p in before} == before, "a finished shard was redone"
    assert stray_files(out) == []
    assert_exactly_once(out, clean, docs)


def test_shard_that_keeps_failing_is_reported_and_retried_alone(docs: Path, clean: Path, tmp_path: Path, capsys, caplog) -> None:
    own = tmp_path / "documents"
    shutil.copytree(docs, own)
    broken = own / "part-00001.parquet"
    good = broken.read_bytes()
    broken.write_bytes(good[: len(good) // 2])  # truncated
    out = tmp_path / "out"
    capsys.readouterr()
    assert polycorpus("run", own, out, *RUN, "--cluster", "sync") == 1
    err = capsys.readouterr().err
    assert f"FAILED part-00001.parquet: ShardError: cannot read documents shard {broken}" in err
    retries = [r.getMessage() for r in caplog.records if r.name == "cluster.executors"]
    assert [m.split(" failed (ShardError: cannot read documents shard ")[0] for m in retries] == ["part-00001.parquet"] * 2
    assert [m.rsplit("; ", 1)[1] for m in retries] == ["retry 1 of 2", "retry 2 of 2"], "run.retries: 2 extra attempts, each said"
    assert "1 shard(s) failed; fix the cause and rerun with --retry-failed" in err
    states = {m["shard"]: m["status"] for m in manifests(out).values()}
    assert states.pop("part-00001.parquet") == "failed" and set(states.values()) == {"done"}
    assert stray_files(out) == []

    assert polycorpus("status", out) == 0
    status = capsys.readouterr().out
    assert f"done: {len(states)}  pending: 0  failed: 1" in status and f"failed part-00001.parquet: ShardError: cannot read documents shard {broken}" in status

    assert polycorpus("run", own, out, *RUN, "--cluster", "sync") == 1  # a plain rerun leaves the failed shard alone, and says so
    assert "1 shard(s) failed in an earlier run and were left alone (part-00001.parquet); rerun with --retry-failed" in capsys.readouterr().err
    assert manifests(out)["part-00001.json"]["status"] == "failed"

    broken.write_bytes(good)
    others = {p: p.stat().st_mtime_ns for p in (out / "_manifest").glob("*.json") if p.name != "part-00001.json"}
    assert polycorpus("run", own, out, *RUN, "--cluster", "sync", "--retry-failed") == 0
    assert json.loads((out / "_run.json").read_text())["shards_done"] == ["part-00001.parquet"]
    assert {p: p.stat().st_mtime_ns for p in others} == others
    assert_exactly_once(out, clean, own)


def _limit_file_size(limit: int):  # noqa: ANN202 (a preexec_fn)
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def assert_one_clear_error(stderr: str, out: Path, reason: str) -> None:
    errors = [line for line in stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, stderr
    assert errors[0].startswith("polycorpus run: error: cannot write ") and str(out) in errors[0] and reason in errors[0], errors[0]
    assert "Traceback" not in stderr and " retry " not in stderr, "no retry can help a full or read-only OUT"


def test_file_size_limit_stops_with_one_message_and_no_partial_files(docs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        cli("run", docs, out, *RUN, "--cluster", "sync"), env=env(), cwd=REPO, capture_output=True, text=True, timeout=300, preexec_fn=_limit_file_size(1500)
    )
    assert result.returncode == 2, result.stderr  # README, "Exit codes": a full or unwritable output is exit 2
    assert_one_clear_error(result.stderr, out, "File too large")
    assert stray_files(out) == [] and manifests(out) == {}


def test_full_disk_stops_with_one_message_and_no_partial_files(docs: Path, clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "small"
    out.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(out)], capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        result = subprocess.run(cli("run", docs, out, *RUN, "--cluster", "sync"), env=env(), cwd=REPO, capture_output=True, text=True, timeout=300)
        assert result.returncode == 2, result.stderr
        assert_one_clear_error(result.stderr, out, "No space left on device")
        assert stray_files(out) == []
        assert 0 < len(manifests(out)) < len(shard_names(docs))
    finally:
        subprocess.run(["umount", str(out)], check=True)


def _attempts(dask_scheduler) -> dict[str, int]:  # noqa: ANN001 (run on the scheduler)
    """How often the scheduler sent each shard's job to a worker, from its transition log."""
    counts: dict[str, int] = {}
    for key, _start, finish, *_ in dask_scheduler.transition_log:
        if finish == "processing" and str(key).startswith("run_job-"):
            shard = str(key).removeprefix("run_job-").rsplit("-", 1)[0]
            counts[shard] = counts.get(shard, 0) + 1
    return counts


def test_unwritable_output_is_attempted_once_on_dask(docs: Path, tmp_path: Path) -> None:
    """A worker that cannot write (RLIMIT_FSIZE) raises OutputUnwritable: the run stops at once, no shard is sent twice."""
    scheduler_file = tmp_path / "scheduler.json"
    dask = str(Path(sys.executable).with_name("dask"))
    common = {"env": env(), "cwd": tmp_path, "start_new_session": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)], **common)]
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        worker = [dask, "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]
        procs.append(subprocess.Popen(worker, preexec_fn=_limit_file_size(1500), **common))
        with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
            client.wait_for_workers(1, timeout=60)
            out = tmp_path / "out"
            result = subprocess.run(
                cli("run", docs, out, *RUN, "--scheduler-file", scheduler_file), env=env(), cwd=REPO, capture_output=True, text=True, timeout=300
            )
            attempts = client.run_on_scheduler(_attempts)
    finally:
        for proc in procs:
            kill_group(proc)
    assert result.returncode == 2, result.stderr
    assert_one_clear_error(result.stderr, out, "File too large")
    assert attempts and set(attempts.values()) == {1}, attempts
    assert stray_files(out) == [] and manifests(out) == {}


def test_shard_that_keeps_killing_workers_names_memory_and_the_setting(tmp_path: Path) -> None:
    """With cluster.memory_limit 300MiB the French NER model cannot load: the failure says why and what to raise, with no traceback."""
    src = generated_jsonl(tmp_path / "gen.jsonl", groups=5).read_text(encoding="utf-8").splitlines()
    (tmp_path / "fr.jsonl").write_text("".join(line + "\n" for line in src if json.loads(line)["lang"] == "fr"), encoding="utf-8")
    assert polycorpus("ingest", tmp_path / "fr.jsonl", tmp_path / "in") == 0
    config = tmp_path / "small.yaml"
    config.write_text("cluster: {type: local, n_workers: 1, memory_limit: 300MiB}\n", encoding="utf-8")
    # One death is enough to show the message (Dask's default allows 3 before giving up on a task).
    quick = {**env(), "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    out = tmp_path / "out"
    command = cli("run", tmp_path / "in" / "documents", out, "--tasks", "tokenize,entities", "--config", config)  # entities loads the French NER model
    result = subprocess.run(command, env=quick, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    [failed] = [line for line in result.stderr.splitlines() if line.startswith("FAILED ")]
    assert failed == (
        "FAILED part-00000.parquet: KilledWorker: 1 worker died while running this shard; out of memory: a worker needs about 600 MB "
        "with the default pipelines, more for larger shards, and cluster.memory_limit gives each 300.00 MiB. "
        "Raise cluster.memory_limit, or make shards smaller (ingest --shard-size)"
    )
    assert "Traceback" not in result.stderr
    assert manifests(out)["part-00000.json"]["error"] == failed.removeprefix("FAILED part-00000.parquet: ")
