"""A real one-node SLURM cluster (Debian's slurm-wlm and munge on this host, started by .ci/slurm-up):
`run --cluster slurm` (dask-jobqueue submits the worker jobs) and the shipped slurm.sbatch through
`sbatch`, both with TLS, give the tables of an in-process run.

The tests skip, saying why, only where SLURM cannot start: not running and no root to start it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import psutil
import pytest
import yaml

from tests.conftest import generated_jsonl, polycorpus, read_dir

REPO = Path(__file__).resolve().parent.parent
SLURM_UP = REPO / ".ci" / "slurm-up"
VENV = Path(sys.executable).parent.parent
TABLES = ("sentences", "tokens", "errors")


def _sinfo_answers() -> bool:
    if not shutil.which("sinfo"):
        return False
    try:
        return subprocess.run(["sinfo", "-h"], capture_output=True, timeout=10).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@pytest.fixture(scope="module")
def slurm() -> Iterator[None]:
    """A SLURM that answers: the one running here (its drained node resumed, as root), or one .ci/slurm-up starts (and this fixture stops)."""
    if _sinfo_answers():
        if os.geteuid() == 0:
            subprocess.run(["bash", str(SLURM_UP)], capture_output=True, timeout=60)
        yield
        return
    if os.geteuid() != 0:
        pytest.skip("SLURM is not running here, and starting it (.ci/slurm-up: munge, slurmctld, slurmd) needs root")
    result = subprocess.run(["bash", str(SLURM_UP)], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.skip(f"SLURM could not start here (.ci/slurm-up exited {result.returncode}): {result.stderr.strip()[-400:]}")
    try:
        yield
    finally:
        subprocess.run(["bash", str(SLURM_UP), "stop"], timeout=60)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """6+ shards of English (a blank pipeline: SLURM workers start quickly) and their in-process run."""
    root = tmp_path_factory.mktemp("slurm")
    lines = generated_jsonl(root / "gen.jsonl", groups=60).read_text(encoding="utf-8").splitlines()
    (root / "en.jsonl").write_text("".join(line + "\n" for line in lines if json.loads(line)["lang"] == "en"), encoding="utf-8")
    assert polycorpus("ingest", root / "en.jsonl", root / "in", "--shard-size", "0.001") == 0
    docs = root / "in" / "documents"
    assert len(list(docs.glob("part-*.parquet"))) >= 6
    assert polycorpus("run", docs, root / "sync", "--tasks", "tokenize", "--cluster", "sync") == 0
    return {"docs": docs, "sync": root / "sync"}


def assert_same_tables(expected: Path, actual: Path) -> None:
    for table in TABLES:
        rows = [sorted(tuple(str(v) for v in r.values()) for r in read_dir(folder / table).to_pylist()) for folder in (expected, actual)]
        assert rows[0] == rows[1], table


def test_run_on_slurm_submits_worker_jobs_with_tls(slurm: None, corpus: dict[str, Path], tmp_path: Path) -> None:
    config = tmp_path / "slurm.yaml"
    slurm = {"cores": 1, "memory": "1GiB", "walltime": "00:10:00", "interface": "lo", "job_extra_directives": [f"--output={tmp_path}/slurm-%j.out"]}
    section = {"type": "slurm", "n_workers": 2, "slurm": slurm}
    config.write_text(yaml.safe_dump({"cluster": section}), encoding="utf-8")
    out = tmp_path / "out"
    assert polycorpus("run", corpus["docs"], out, "--tasks", "tokenize", "--config", config) == 0
    assert_same_tables(corpus["sync"], out)
    hosts = {json.loads(p.read_text())["host"] for p in (out / "_manifest").glob("*.json")}
    pids = {json.loads(p.read_text())["pid"] for p in (out / "_manifest").glob("*.json")}
    assert os.getpid() not in pids and hosts, "the shards ran in the SLURM jobs' workers"
    assert sorted(p.name for p in (out / "_logs").iterdir() if not p.name.startswith("run-")) == [], "the temporary TLS files went with the cluster"
    deadline = time.monotonic() + 60  # scancel is asynchronous: running jobs take a moment to leave the queue
    while subprocess.run(["squeue", "-h", "-n", "polycorpus", "-t", "PENDING,RUNNING"], capture_output=True, text=True, timeout=30).stdout.strip():
        assert time.monotonic() < deadline, "the worker jobs were cancelled when the run ended"
        time.sleep(1)


def test_run_on_slurm_gives_up_when_no_worker_job_can_start(slurm: None, corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "slurm.yaml"
    slurm = {"cores": 1, "memory": "1GiB", "walltime": "00:10:00", "interface": "lo", "job_extra_directives": ["--begin=now+1hour"]}
    config.write_text(yaml.safe_dump({"cluster": {"type": "slurm", "n_workers": 1, "slurm": slurm}}), encoding="utf-8")
    out = tmp_path / "out"
    assert polycorpus("run", corpus["docs"], out, "--tasks", "tokenize", "--config", config, "--start-timeout", "5s") == 2
    [message] = capsys.readouterr().err.strip().splitlines()[-1:]
    assert message.startswith("polycorpus run: error: no slurm worker joined within 5s (cluster.start_timeout, --start-timeout): `squeue --me`")
    assert not list((out / "_manifest").glob("*.json")), "no shard ran"


def test_shipped_sbatch_template_runs_with_tls(slurm: None, corpus: dict[str, Path], tmp_path: Path) -> None:
    out, rundir = tmp_path / "out", tmp_path / "rundir"
    template = str(resources.files("cluster").joinpath("templates", "slurm.sbatch"))
    exports = f"ALL,DOCS={corpus['docs']},OUT={out},VENV={VENV},TASKS=tokenize,RUNDIR={rundir},INTERFACE=lo"
    command = ["sbatch", "--parsable", "--wait", "--partition=debug", "--nodes=1", "--ntasks-per-node=2", "--ntasks=2", "--mem-per-cpu=1G", "--time=00:05:00"]
    command += [f"--chdir={tmp_path}", f"--output={tmp_path}/job.log", f"--export={exports}", template]
    result = subprocess.run(command, capture_output=True, text=True, timeout=400)
    log = (tmp_path / "job.log").read_text() if (tmp_path / "job.log").exists() else ""
    assert result.returncode == 0, f"{result.stderr}\n{log}"
    assert_same_tables(corpus["sync"], out)
    assert rundir.stat().st_mode & 0o777 == 0o700 and (rundir / "key.pem").stat().st_mode & 0o777 == 0o600
    [address] = re.findall(r"Scheduler at:\s+(\S+)", (rundir / "scheduler.log").read_text())
    assert address.startswith("tls://127.0.0.1:")
    job = result.stdout.strip().split(";")[0]
    deadline = time.monotonic() + 60  # a step told to stop has KillWait (5 s) before SIGKILL; a loaded machine is slower
    while left := _job_processes(job, address):
        assert time.monotonic() < deadline, f"outlived job {job}: {left}"
        time.sleep(1)
    assert not (rundir / "scheduler.json").exists(), "the scheduler stopped cleanly (it removes its file)"


def _job_processes(job: str, address: str) -> list[str]:
    """Processes of a finished job still running here: its slurmstepd ("slurmstepd: [JOB.STEP]") and its Dask scheduler
    (titled "dask scheduler [ADDRESS]")."""
    left = []
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or [])
        if ("slurmstepd" in line and f"[{job}." in line) or address in line:
            left.append(f"{proc.pid} {line}")
    return left
