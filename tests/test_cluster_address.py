"""`run --cluster address` on a real `dask scheduler` with 2 `dask worker` processes: same tables as in-process,
the scheduler left running, and workers restarted mid-run that reload their models and let the run finish.
A TLS scheduler: the same tables with `cluster.tls`'s files, an immediate clear refusal without them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from distributed import Client

from cluster import config as configuration
from cluster.client import WORKER_ENVIRONMENT, files_security, local_cluster, write_temporary_credentials
from cluster.runner import run
from tests.conftest import generated_jsonl, polycorpus, read_dir

BIN = Path(sys.executable).parent
TABLES = ("sentences", "tokens", "errors")


def rows(out: Path, table: str) -> list[tuple]:
    """A table's rows as sorted tuples of strings, for comparing two runs."""
    return sorted(tuple(str(v) for v in row.values()) for row in read_dir(out / table).to_pylist())


def assert_same_tables(expected: Path, actual: Path) -> None:
    """Both runs wrote the same part files with the same rows."""
    for table in TABLES:
        assert sorted(p.name for p in (actual / table).glob("part-*")) == sorted(p.name for p in (expected / table).glob("part-*"))
        assert rows(actual, table) == rows(expected, table), table


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.1)


def _address(file: Path) -> str | None:
    """The address in a scheduler file, None until it is written in full."""
    try:
        return json.loads(file.read_text())["address"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A `dask scheduler` and 2 nanny-managed `dask worker` processes (1 thread each) on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    common = {"cwd": folder, "stdin": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    procs = [
        subprocess.Popen(
            [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", file],
            stdout=(folder / "scheduler.log").open("w"),
            **common,
        )
    ]
    try:
        _wait_for(lambda: _address(file) is not None, 60, "the scheduler file")
        for i in range(2):
            command = [BIN / "dask", "worker", "--scheduler-file", file, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}"]
            env = {**os.environ, **WORKER_ENVIRONMENT}  # as the slurm.sbatch and Kubernetes templates start them
            procs.append(subprocess.Popen(command, stdout=(folder / f"worker{i}.log").open("w"), env=env, **common))
        address = json.loads(file.read_text())["address"]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield {"address": address, "file": str(file)}
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 20-shard en/fr/vi corpus and its in-process (sync) run, the reference tables."""
    folder = tmp_path_factory.mktemp("address-corpus")
    src = generated_jsonl(folder / "gen.jsonl", groups=240)
    assert polycorpus("ingest", src, folder / "in", "--shard-size", "0.004") == 0
    docs = folder / "in" / "documents"
    assert len(list(docs.glob("part-*.parquet"))) >= 20
    assert polycorpus("run", docs, folder / "sync", "--tasks", "tokenize", "--cluster", "sync") == 0
    return {"docs": docs, "sync": folder / "sync"}


def test_workers_we_start_get_the_worker_environment(scheduler: dict) -> None:
    def _worker_settings() -> tuple[str | None, str | None, bool, str, str]:  # nested: the workers cannot import tests/
        import dask
        import pyarrow

        return (
            os.environ.get("MALLOC_TRIM_THRESHOLD_"),
            os.environ.get("OMP_NUM_THREADS"),
            dask.config.get("distributed.worker.profile.enabled"),
            dask.config.get("distributed.admin.tick.interval"),
            pyarrow.default_memory_pool().backend_name,
        )

    # distributed would set MALLOC_TRIM_THRESHOLD_=65536 (and OMP_NUM_THREADS=1, which must stay); Arrow would use mimalloc.
    expected = (None, "1", False, "500ms", "system")
    with Client(scheduler["address"], timeout="30s") as client:
        assert set(client.run(_worker_settings).values()) == {expected}
    with local_cluster(configuration.load(None, {"cluster": {"type": "local", "n_workers": 2}}).cluster) as cluster, Client(cluster) as client:
        assert set(client.run(_worker_settings).values()) == {expected}
        # forked by one forkserver (not this process's children), which has the workers' environment
        parents = client.run(lambda: (os.getppid(), os.environ.get("PYTHONHASHSEED")))
        assert len(set(parents.values())) == 1 and next(iter(parents.values()))[0] != os.getpid()


def test_address_run_equals_sync_and_leaves_the_scheduler_up(scheduler: dict, corpus: dict, tmp_path: Path) -> None:
    by_address, by_file = tmp_path / "address", tmp_path / "file"
    assert polycorpus("run", corpus["docs"], by_address, "--tasks", "tokenize", "--scheduler-address", scheduler["address"]) == 0
    assert_same_tables(corpus["sync"], by_address)
    assert polycorpus("run", corpus["docs"], by_file, "--tasks", "tokenize", "--cluster", "address", "--scheduler-file", scheduler["file"]) == 0
    assert_same_tables(corpus["sync"], by_file)
    with Client(scheduler["address"], timeout="10s") as client:
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.submit(sum, [1, 2]).result() == 3
    manifests = [json.loads(p.read_text()) for p in (by_address / "_manifest").glob("*.json")]
    assert len({m["pid"] for m in manifests}) == 2 and os.getpid() not in {m["pid"] for m in manifests}
    shards = len(manifests)
    [log_file] = (by_address / "_logs").glob("run-*.log")
    assert f"shards {shards}/{shards}" in log_file.read_text()


def test_workers_restarted_mid_run_reload_models_and_the_run_completes(scheduler: dict, corpus: dict, tmp_path: Path) -> None:
    out = tmp_path / "restarted"
    config = configuration.load(None, {"tasks": ["tokenize"], "cluster": {"type": "address", "scheduler_address": scheduler["address"]}})
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(summary=run(str(corpus["docs"]), str(out), config)))
    with Client(scheduler["address"], timeout="10s") as client:
        before = client.run(os.getpid)
        runner.start()
        _wait_for(lambda: any((out / "_manifest").glob("*.json")), 120, "the first shard")
        client.restart_workers(list(before))  # both, so the shards left must run in fresh processes
        runner.join(timeout=300)
        after = client.run(os.getpid)
    assert not runner.is_alive()
    summary = outcome["summary"]
    assert not summary.failed and len(summary.done) == len(list(corpus["docs"].glob("part-*.parquet")))
    assert_same_tables(corpus["sync"], out)
    fresh = set(after.values()) - set(before.values())
    assert len(fresh) == 2, "both worker processes were replaced"
    pids = {json.loads(p.read_text())["pid"] for p in (out / "_manifest").glob("*.json")}
    assert fresh & pids, "the restarted workers processed shards after the restart"
    [log_file] = (out / "_logs").glob("run-*.log")
    assert "built fr pipeline" in log_file.read_text(), "a new worker process loaded its pipeline itself"


@pytest.fixture(scope="module")
def tls_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A `dask scheduler --protocol tls` and one `dask worker`, both with TLS files made here; only holders of them may connect."""
    folder = tmp_path_factory.mktemp("dask-tls")
    (folder / "tls").mkdir()
    tls = write_temporary_credentials(str(folder / "tls")).model_dump()
    flags = ["--tls-ca-file", tls["ca_file"], "--tls-cert", tls["cert_file"], "--tls-key", tls["key_file"]]
    file = folder / "scheduler.json"
    common = {"cwd": folder, "stdin": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    scheduler = [BIN / "dask", "scheduler", "--protocol", "tls", *flags, "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", file]
    procs = [subprocess.Popen(scheduler, stdout=(folder / "scheduler.log").open("w"), **common)]
    try:
        _wait_for(lambda: _address(file) is not None, 60, "the scheduler file")
        worker = [BIN / "dask", "worker", "--scheduler-file", file, *flags, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
        procs.append(subprocess.Popen(worker, stdout=(folder / "worker.log").open("w"), env={**os.environ, **WORKER_ENVIRONMENT}, **common))
        address = _address(file)
        assert address.startswith("tls://")
        with Client(address, timeout="30s", security=files_security(configuration.TLSConfig(**tls))) as client:
            client.wait_for_workers(1, timeout=120)
        config = folder / "tls.yaml"
        config.write_text(yaml.safe_dump({"cluster": {"tls": tls}}), encoding="utf-8")
        yield {"address": address, "file": str(file), "config": str(config)}
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_tls_scheduler_with_the_files_equals_a_plain_run(tls_scheduler: dict, corpus: dict, tmp_path: Path) -> None:
    docs, out = tmp_path / "documents", tmp_path / "tls"
    docs.mkdir()
    for shard in sorted(corpus["docs"].glob("part-*.parquet"))[:4]:
        shutil.copy(shard, docs)
    assert polycorpus("run", docs, out, "--tasks", "tokenize", "--scheduler-file", tls_scheduler["file"], "--config", tls_scheduler["config"]) == 0
    for table in TABLES:
        parts = sorted(p.name for p in (out / table).glob("part-*"))
        assert len(parts) == 4 and [pq.read_table(out / table / p).to_pylist() for p in parts] == [
            pq.read_table(corpus["sync"] / table / p).to_pylist() for p in parts
        ], table


def test_tls_scheduler_without_files_is_refused_at_once(tls_scheduler: dict, corpus: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    refusal = f"polycorpus run: error: the scheduler at {tls_scheduler['address']}"
    what = "requires TLS: set cluster.tls.ca_file, cert_file and key_file in a --config file"
    assert polycorpus("run", corpus["docs"], tmp_path / "a", "--tasks", "tokenize", "--scheduler-address", tls_scheduler["address"]) == 2
    assert capsys.readouterr().err.startswith(f"{refusal} requires TLS: set cluster.tls.ca_file, cert_file and key_file")
    command = [BIN / "polycorpus", "run", corpus["docs"], tmp_path / "f", "--tasks", "tokenize", "--scheduler-file", tls_scheduler["file"]]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and time.monotonic() - started < 60, "refused before connecting, not after a timeout"
    [line] = result.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith(f"{refusal} (from {tls_scheduler['file']}) {what}"), line
    assert not (tmp_path / "a" / "_manifest").exists() and not (tmp_path / "f" / "_manifest").exists()
