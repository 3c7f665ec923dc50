"""Workers that leave on purpose mid-run (SLURM walltimes, `--lifetime`, evicted pods, adaptive scaling) lose no document.

A real LocalCluster on 127.0.0.1 whose workers are all retired mid-run (gracefully, as adaptive scaling
down to zero does) and come back; and one whose workers retire every few seconds (`lifetime` with stagger,
restarted by their nannies), retirements the scheduler's events show during the run. Both runs must equal a
clean in-process run row for row, with no failed shard. The corpus holds a few German documents, a language
the config does not list: `run` warns once, from this process, however many workers met it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from cluster import config as configuration
from cluster.runner import RunSummary, run
from tests.conftest import generated_jsonl, polycorpus, read_dir

TABLES = ("sentences", "tokens", "errors")


def row_hashes(out: Path, table: str) -> list[str]:
    return sorted(hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest() for r in read_dir(out / table).to_pylist())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """40+ shards of English and a few German documents (blank pipelines: quick to start), and their in-process run."""
    root = tmp_path_factory.mktemp("retire")
    lines = [json.loads(line) for line in generated_jsonl(root / "gen.jsonl", groups=300).read_text(encoding="utf-8").splitlines()]
    records = [r for r in lines if r["lang"] == "en"]
    records += [{"lang": "de", "group_id": f"de{i}", "text": f"Die Firma meldet am Montag {i} neue Kunden. Der Preis sinkt."} for i in range(12)]
    (root / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert polycorpus("ingest", root / "docs.jsonl", root / "in", "--shard-size", "0.001") == 0
    docs = root / "in" / "documents"
    assert len(list(docs.glob("part-*.parquet"))) >= 40
    assert polycorpus("run", docs, root / "clean", "--tasks", "tokenize", "--cluster", "sync") == 0
    return {"docs": docs, "clean": root / "clean"}


def run_on(cluster: LocalCluster, docs: Path, out: Path) -> tuple[threading.Thread, dict]:
    """`run` of tokenize over `docs` against `cluster`'s scheduler, in a thread; its summary lands in the dict."""
    config = configuration.load(None, {"tasks": ["tokenize"], "cluster": {"type": "address", "scheduler_address": cluster.scheduler_address}})
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(summary=run(str(docs), str(out), config)))
    thread.start()
    return thread, outcome


def assert_complete(summary: RunSummary, corpus: dict[str, Path], out: Path) -> None:
    shards = sorted(p.name for p in corpus["docs"].glob("part-*.parquet"))
    assert summary.failed == {} and sorted(summary.done) == shards
    for table in TABLES:
        assert row_hashes(out, table) == row_hashes(corpus["clean"], table), table
    assert {json.loads(p.read_text())["status"] for p in (out / "_manifest").glob("*.json")} == {"done"}


def test_run_waits_while_no_worker_is_left(corpus: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    caplog.set_level(logging.WARNING)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        thread, outcome = run_on(cluster, corpus["docs"], out)
        deadline = time.monotonic() + 120
        while not list((out / "_manifest").glob("*.json")):
            assert time.monotonic() < deadline, "no shard finished"
            time.sleep(0.05)
        cluster.scale(0)  # every worker retired, as adaptive scaling down to zero does
        while client.scheduler_info()["workers"]:
            time.sleep(0.05)
        left = len(list((out / "_manifest").glob("*.json")))
        time.sleep(2)  # the shards left wait in the scheduler; none may fail for lack of workers
        cluster.scale(2)
        thread.join(timeout=300)
    assert not thread.is_alive()
    assert left < len(list(corpus["docs"].glob("part-*.parquet"))), "the workers left mid-run"
    assert_complete(outcome["summary"], corpus, out)
    pids = {json.loads(p.read_text())["pid"] for p in (out / "_manifest").glob("*.json")}
    assert len(pids) > 2, "shards ran on the workers before and after"
    warned = [r.getMessage() for r in caplog.records if "no pipeline configured" in r.getMessage()]
    assert warned == ["no pipeline configured for language 'de': blank tokenizer, rule-based entities (add it under `languages:` in a --config file)"]


def _worker_events(client: Client, action: str) -> list[tuple[float, str, dict]]:
    """(time, worker address, event) of each `action` the scheduler logged about a worker."""
    return sorted(
        (stamp, topic, event)
        for topic, logged in client.get_events().items()
        if topic.startswith("tcp://")
        for stamp, event in logged
        if event.get("action") == action
    )


def test_workers_retiring_every_few_seconds_lose_no_document(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Each worker leaves 4 to 8 s after it starts and its nanny starts a new one. The imports (spaCy) are
    # preloaded before a worker's lifetime starts, so that a lifetime is spent on shards even on a loaded machine,
    # where a restart took 23 s: longer than the 15 s after which a LocalCluster gives up on a worker that left
    # (distributed.deploy.lost-worker-timeout) and closes its nanny, leaving the run without workers.
    lifetimes = {"lifetime": "6s", "lifetime_stagger": "2s", "lifetime_restart": True, "preload": ["tasks.shard"]}
    with (
        dask.config.set({"distributed.deploy.lost-worker-timeout": "300s"}),
        LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, **lifetimes) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(2, timeout=120)
        # The run starts 0.75 s before the first worker's lifetime ends (from when the scheduler saw it arrive), so a
        # retirement falls early in the run however fast this machine gets through the shards: on an idle 2-core
        # machine the whole run takes about 1.6 s (2 s ahead, it had finished before any worker left).
        lifetime = client.run(lambda dask_worker: dask_worker.lifetime)
        arrived = {worker: stamp for stamp, worker, _ in _worker_events(client, "add-worker")}
        time.sleep(max(0.0, min(arrived[w] + lifetime[w] for w in lifetime) - 0.75 - time.time()))
        started = time.time()
        thread, outcome = run_on(cluster, corpus["docs"], out)
        thread.join(timeout=300)
        finished = time.time()
        assert not thread.is_alive(), "the run did not finish within 5 minutes"
        retired = [stamp for stamp, _, event in _worker_events(client, "closing-worker") if event.get("reason") == "worker-lifetime-reached"]
    assert_complete(outcome["summary"], corpus, out)
    during = [stamp for stamp in retired if started < stamp < finished]
    finished_shards = [p.stat().st_mtime for p in (out / "_manifest").glob("*.json")]
    assert during and max(finished_shards) > during[0], f"no worker reached its lifetime while shards were left (retired {retired}, run {started}-{finished})"
