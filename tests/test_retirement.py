"""Workers that leave on purpose mid-run (SLURM walltimes, `--lifetime`, evicted pods, adaptive scaling) lose no document.

A real LocalCluster on 127.0.0.1 whose workers are all retired mid-run (gracefully, as adaptive scaling
down to zero does) and come back. Both runs must equal a clean
in-process run row for row, with no failed shard. The corpus holds a few German documents, a language
the config does not list: `run` warns once, from this process, however many workers met it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from pathlib import Path

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
