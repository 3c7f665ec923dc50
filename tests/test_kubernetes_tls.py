"""`run --cluster kubernetes` over TLS, without Kubernetes: the scheduler and worker pods' own commands, environment and
Secret (from `kubernetes_resources`) run here as processes on 127.0.0.1 in place of the pods, and polycorpus connects to
them as it would through the scheduler's Service. Only the Kubernetes API calls (`cluster.kubernetes_api`) are replaced."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client

from cluster import config as configuration
from cluster import kubernetes_api
from cluster.client import KUBERNETES_TLS_DIR, mutual_tls
from cluster.runner import run
from tests.conftest import generated_jsonl, polycorpus, read_dir
from tests.test_cluster_address import _address, _wait_for

BIN = Path(sys.executable).parent


def _command(container: dict, mount: Path, local: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """A container's command and environment as a process here: the Secret's mount is `mount`, `$(VAR)` is expanded as
    Kubernetes does, and `local` replaces arguments that would listen on every interface of a pod."""
    env = {**os.environ, **{e["name"]: e["value"] for e in container["env"]}}
    args = [local.get(arg, arg.replace(KUBERNETES_TLS_DIR, str(mount))) for arg in container["args"]]
    args = [arg.replace("$(DASK_WORKER_NAME)", "worker-0") for arg in args]
    return [str(BIN / args[0]), *args[1:]], env


@contextlib.contextmanager
def _pods_here(folder: Path, seen: dict) -> Iterator:
    """Stands in for `kubernetes_api.scheduler_address`: starts what the operator would, from the same resources."""

    @contextlib.contextmanager
    def scheduler_address(resources: list[dict], namespace: str | None, port: int, timeout: float | None) -> Iterator[str]:
        by_kind = seen["resources"] = {resource["kind"]: resource for resource in resources}
        mount = folder / "secret"  # the Secret as the pods see it, files of mode 0600 here
        mount.mkdir(mode=0o700)
        for name, pem in by_kind["Secret"]["stringData"].items():
            with os.fdopen(os.open(mount / name, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
                handle.write(pem)
        cluster = by_kind["DaskCluster"]["spec"]
        file = folder / "scheduler.json"
        [scheduler] = cluster["scheduler"]["spec"]["containers"]
        args, env = _command(scheduler, mount, {"0.0.0.0": "127.0.0.1"})
        args += ["--port", "0", "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(file)]
        logs = contextlib.ExitStack()
        common = {"stdin": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "cwd": folder}
        procs = [subprocess.Popen(args, env=env, stdout=logs.enter_context((folder / "scheduler.log").open("w")), **common)]
        try:
            _wait_for(lambda: _address(file) is not None, 60, "the scheduler file")
            address = seen["address"] = _address(file)
            [worker] = cluster["worker"]["spec"]["containers"]
            args, env = _command(worker, mount, {"8788": "127.0.0.1:0"})
            env["DASK_SCHEDULER_ADDRESS"] = address  # where the Service name resolves to, here
            workers = cluster["worker"]["replicas"]
            log = logs.enter_context((folder / "worker.log").open("w"))
            procs += [subprocess.Popen([*args, "--host", "127.0.0.1"], env=env, stdout=log, **common) for _ in range(workers)]
            with Client(address, timeout="30s", security=mutual_tls(*(str(mount / name) for name in ("ca.pem", "cert.pem", "key.pem")))) as client:
                client.wait_for_workers(workers, timeout=120)  # the worker pods joined over TLS
            with pytest.raises(OSError), Client(address.replace("tls://", "tcp://"), timeout="3s"):  # a client without the certificate
                pass
            yield address.removeprefix("tls://")
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
            logs.close()

    yield scheduler_address


def test_kubernetes_run_over_tls_equals_a_sync_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = generated_jsonl(tmp_path / "gen.jsonl", groups=40)
    assert polycorpus("ingest", src, tmp_path / "in", "--shard-size", "0.004") == 0
    docs = tmp_path / "in" / "documents"
    assert polycorpus("run", docs, tmp_path / "sync", "--tasks", "tokenize", "--cluster", "sync") == 0
    seen: dict = {}
    (tmp_path / "pods").mkdir()
    with _pods_here(tmp_path / "pods", seen) as stand_in:
        monkeypatch.setattr(kubernetes_api, "scheduler_address", stand_in)
        config = configuration.load(None, {"tasks": ["tokenize"], "cluster": {"type": "kubernetes", "n_workers": 1}})
        summary = run(str(docs), str(tmp_path / "kubernetes"), config)
    assert not summary.failed and summary.done
    assert seen["address"].startswith("tls://")
    for table in ("sentences", "tokens", "errors"):
        expected, actual = read_dir(tmp_path / "sync" / table).to_pylist(), read_dir(tmp_path / "kubernetes" / table).to_pylist()
        assert actual == expected, table
    assert not list(tmp_path.glob("kubernetes/**/*.pem")), "temporary credentials stay in memory and in the Secret"
