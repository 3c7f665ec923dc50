"""SLURM job scripts and Kubernetes cluster specs from the config, without SLURM or Kubernetes; the shipped templates;
missing extras named; and no model loaded at import."""

from __future__ import annotations

import logging
import shlex
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from cluster import config as configuration
from cluster.client import (
    KUBERNETES_TLS_DIR,
    WORKER_ENVIRONMENT,
    MissingExtra,
    kubernetes_credentials,
    kubernetes_resources,
    slurm_cluster,
    write_temporary_credentials,
)

SLURM = {
    "type": "slurm",
    "n_workers": 8,
    "slurm": {
        "cores": 4,
        "memory": "16GiB",
        "walltime": "02:30:00",
        "queue": "batch",
        "account": "nlp-team",
        "job_extra_directives": ["--constraint=skylake"],
        "lifetime": "140m",
        "lifetime_stagger": "5m",
    },
}
TLS_FLAGS = ("--tls-ca-file", "--tls-cert", "--tls-key")
KUBERNETES = {
    "type": "kubernetes",
    "n_workers": 6,
    "kubernetes": {
        "image": "registry.example.com/polycorpus:1.2",
        "resources": {"requests": {"cpu": "1", "memory": "3Gi"}, "limits": {"cpu": "1", "memory": "3Gi"}},
        "env": {"AWS_ENDPOINT_URL": "http://minio:9000"},
        "lifetime": "2h",
    },
}


def test_slurm_job_script_carries_the_config(tmp_path: Path) -> None:
    cfg = configuration.load(None, {"cluster": SLURM}).cluster
    cluster = slurm_cluster(cfg, str(tmp_path))
    try:
        script = cluster.job_script()
        assert cluster.scheduler_address.startswith("tls://"), "the scheduler takes TLS connections only"
        # The workers' temporary credentials: files only this user reads, in the folder given (OUT/_logs in a run).
        files = {flag: shlex.split(script.strip().splitlines()[-1])[shlex.split(script.strip().splitlines()[-1]).index(flag) + 1] for flag in TLS_FLAGS}
        assert all(Path(f).parent == tmp_path and Path(f).stat().st_mode & 0o777 == 0o600 for f in files.values())
        assert "BEGIN PRIVATE KEY" in Path(files["--tls-key"]).read_text() and "BEGIN CERTIFICATE" in Path(files["--tls-ca-file"]).read_text()
    finally:
        cluster.close()
    directives = [line for line in script.splitlines() if line.startswith("#SBATCH")]
    assert "#SBATCH -A nlp-team" in directives
    assert "#SBATCH -p batch" in directives
    assert "#SBATCH -t 02:30:00" in directives
    assert "#SBATCH --cpus-per-task=4" in directives
    assert "#SBATCH --mem=16G" in directives
    assert "#SBATCH --constraint=skylake" in directives
    command = script.strip().splitlines()[-1]
    assert "--nthreads 1" in command and "--nworkers 4" in command, "4 cores: 4 single-threaded worker processes"
    assert "--lifetime 140m" in command and "--lifetime-stagger 5m" in command
    assert command.startswith(sys.executable)
    for name, value in WORKER_ENVIRONMENT.items():
        assert f"export {name}={shlex.quote(value)}" in script.splitlines()


def test_slurm_with_tls_files_uses_them_and_tls_none_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tls = write_temporary_credentials(str(tmp_path)).model_dump()
    cluster = slurm_cluster(configuration.load(None, {"cluster": {**SLURM, "tls": tls}}).cluster, str(tmp_path))
    try:
        command = shlex.split(cluster.job_script().strip().splitlines()[-1])
    finally:
        cluster.close()
    assert [command[command.index(flag) + 1] for flag in TLS_FLAGS] == [tls["ca_file"], tls["cert_file"], tls["key_file"]]
    with caplog.at_level(logging.WARNING):
        cluster = slurm_cluster(configuration.load(None, {"cluster": {**SLURM, "tls": "none"}}).cluster, str(tmp_path))
    try:
        assert not any(flag in cluster.job_script() for flag in TLS_FLAGS) and cluster.scheduler_address.startswith("tcp://")
    finally:
        cluster.close()
    assert any("cluster.tls: none" in r.getMessage() and "run code as you" in r.getMessage() for r in caplog.records)


def test_tls_files_are_checked(tmp_path: Path) -> None:
    with pytest.raises(configuration.ConfigError, match=r"set cluster\.tls\.cert_file, cluster\.tls\.key_file too"):
        configuration.load(None, {"cluster": {"tls": {"ca_file": str(tmp_path)}}})
    with pytest.raises(configuration.ConfigError, match=r"cluster\.tls\.ca_file: .*missing.pem is not a file"):
        configuration.load(None, {"cluster": {"tls": {"ca_file": str(tmp_path / "missing.pem"), "cert_file": "c", "key_file": "k"}}})


def _kubernetes(settings: dict) -> dict[str, dict]:
    """The resources of a kubernetes cluster by kind, for `cluster` settings over KUBERNETES."""
    cfg = configuration.load(None, {"cluster": {**KUBERNETES, **settings}}).cluster
    return {resource["kind"]: resource for resource in kubernetes_resources(cfg, kubernetes_credentials(cfg))}


def test_kubernetes_spec_carries_the_config() -> None:
    spec = _kubernetes({})["DaskCluster"]
    assert spec["metadata"]["name"] == "polycorpus"
    worker = spec["spec"]["worker"]
    assert worker["replicas"] == 6
    [container] = worker["spec"]["containers"]
    assert container["image"] == "registry.example.com/polycorpus:1.2"
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "3Gi"}
    assert {"name": "AWS_ENDPOINT_URL", "value": "http://minio:9000"} in container["env"]
    assert all({"name": k, "value": v} in container["env"] for k, v in WORKER_ENVIRONMENT.items())
    args = container["args"]
    assert args[args.index("--nthreads") + 1] == "1" and args[args.index("--lifetime") + 1] == "2h"
    assert spec["spec"]["scheduler"]["spec"]["containers"][0]["image"] == "registry.example.com/polycorpus:1.2"


def test_kubernetes_pods_get_temporary_tls_from_a_secret() -> None:
    resources = _kubernetes({})
    assert list(resources) == ["Secret", "DaskCluster"], "the Secret exists before the pods that mount it"
    secret = resources["Secret"]
    assert secret["metadata"]["name"] == "polycorpus-tls" and secret["type"] == "Opaque"
    pems = secret["stringData"]
    assert sorted(pems) == ["ca.pem", "cert.pem", "key.pem"] and "BEGIN PRIVATE KEY" in pems["key.pem"] and pems["ca.pem"] == pems["cert.pem"]
    assert pems != _kubernetes({})["Secret"]["stringData"], "credentials are made per run"
    pods = {role: resources["DaskCluster"]["spec"][role]["spec"] for role in ("scheduler", "worker")}
    tls_flags = ["--tls-ca-file", f"{KUBERNETES_TLS_DIR}/ca.pem", "--tls-cert", f"{KUBERNETES_TLS_DIR}/cert.pem", "--tls-key", f"{KUBERNETES_TLS_DIR}/key.pem"]
    for role, pod in pods.items():
        assert pod["volumes"] == [{"name": "tls", "secret": {"secretName": "polycorpus-tls", "defaultMode": 0o400}}], role
        [container] = pod["containers"]
        assert container["volumeMounts"] == [{"name": "tls", "mountPath": KUBERNETES_TLS_DIR, "readOnly": True}], role
        assert container["args"][-6:] == tls_flags, role
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] == "True", role
    scheduler, worker = pods["scheduler"]["containers"][0], pods["worker"]["containers"][0]
    assert scheduler["args"][:6] == ["dask", "scheduler", "--host", "0.0.0.0", "--protocol", "tls"]
    worker_env = {e["name"]: e["value"] for e in worker["env"]}
    assert worker_env["DASK_SCHEDULER_ADDRESS"] == "tls://polycorpus-scheduler:8786", "not the operator's tcp:// address"
    routes = {e["name"]: e["value"] for e in scheduler["env"]}["DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES"]
    assert "distributed.http.scheduler.api" in yaml.safe_load(routes), "the operator scales through the HTTP API: its RPC fallback has no TLS"


def test_kubernetes_uses_given_tls_files_and_tls_none_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tls = write_temporary_credentials(str(tmp_path)).model_dump()
    pems = _kubernetes({"tls": tls})["Secret"]["stringData"]
    assert pems == {name: Path(tls[key]).read_text() for name, key in (("ca.pem", "ca_file"), ("cert.pem", "cert_file"), ("key.pem", "key_file"))}
    with caplog.at_level(logging.WARNING):
        resources = _kubernetes({"tls": "none"})
    assert list(resources) == ["DaskCluster"]
    for role in ("scheduler", "worker"):
        pod = resources["DaskCluster"]["spec"][role]["spec"]
        assert "volumes" not in pod and not any(flag in pod["containers"][0]["args"] for flag in TLS_FLAGS), role
    assert any("cluster.tls: none" in r.getMessage() and "kubernetes scheduler" in r.getMessage() for r in caplog.records)


def test_adaptive_kubernetes_starts_at_the_minimum() -> None:
    resources = _kubernetes({"n_workers": None, "adaptive": {"enabled": True, "minimum": 2, "maximum": 20}})
    assert resources["DaskCluster"]["spec"]["worker"]["replicas"] == 2
    assert resources["DaskAutoscaler"]["spec"] == {"cluster": "polycorpus", "minimum": 2, "maximum": 20}


@pytest.mark.parametrize(("kind", "module", "extra"), [("slurm", "dask_jobqueue", "slurm"), ("kubernetes", "dask_kubernetes.operator", "kubernetes")])
def test_a_missing_extra_is_named(kind: str, module: str, extra: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what an environment without the extra looks like to import
    cfg = configuration.load(None, {"cluster": SLURM if kind == "slurm" else KUBERNETES}).cluster
    with pytest.raises(MissingExtra, match=rf"pip install 'polycorpus\[{extra}\]'"):
        slurm_cluster(cfg, ".") if kind == "slurm" else kubernetes_resources(cfg, None)


def test_templates_are_valid_and_use_a_scheduler_they_own() -> None:
    templates = resources.files("cluster").joinpath("templates")
    sbatch = templates.joinpath("slurm.sbatch")
    assert subprocess.run(["bash", "-n", str(sbatch)], capture_output=True).returncode == 0
    text = sbatch.read_text()
    assert 'dask" scheduler "${TLS_ARGS[@]}" "${SCHEDULER_HOST[@]}" --port 0' in text and "--nthreads 1" in text and "--lifetime" in text
    assert "--cluster address --scheduler-file" in text
    job = yaml.safe_load(templates.joinpath("kubernetes-daskjob.yaml").read_text())
    assert job["kind"] == "DaskJob"
    args = job["spec"]["job"]["spec"]["containers"][0]["args"]
    assert args[:2] == ["polycorpus", "run"] and "$(DASK_SCHEDULER_ADDRESS)" in args
    [worker] = job["spec"]["cluster"]["spec"]["worker"]["spec"]["containers"]
    assert worker["args"][worker["args"].index("--nthreads") + 1] == "1"
    assert all({"name": k, "value": v} in worker["env"] for k, v in WORKER_ENVIRONMENT.items())
    assert all(f"export {k}={shlex.quote(v)}" in text.splitlines() for k, v in WORKER_ENVIRONMENT.items())


def test_templates_start_scheduler_and_workers_with_tls() -> None:
    templates = resources.files("cluster").joinpath("templates")
    text = templates.joinpath("slurm.sbatch").read_text()
    assert '(umask 077 && mkdir -p "$RUNDIR")' in text and 'chmod 700 "$RUNDIR"' in text, "the TLS key lives in the job's private directory"
    assert "from cluster.client import write_temporary_credentials" in text
    assert 'dask" scheduler "${TLS_ARGS[@]}"' in text and 'dask" worker "${TLS_ARGS[@]}" "${NET_ARGS[@]}"' in text
    assert "export DASK_DISTRIBUTED__COMM__DEFAULT_SCHEME=tls" in text.splitlines()
    assert 'TLS_ARGS=(--tls-ca-file "$RUNDIR/ca.pem" --tls-cert "$RUNDIR/cert.pem" --tls-key "$RUNDIR/key.pem")' in text
    assert "export DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION=True" in text.splitlines()
    job = yaml.safe_load(templates.joinpath("kubernetes-daskjob.yaml").read_text())
    pods = {
        "CLIENT": job["spec"]["job"]["spec"],
        "WORKER": job["spec"]["cluster"]["spec"]["worker"]["spec"],
        "SCHEDULER": job["spec"]["cluster"]["spec"]["scheduler"]["spec"],
    }
    for role, pod in pods.items():
        assert pod["volumes"] == [{"name": "tls", "secret": {"secretName": "polycorpus-tls", "defaultMode": 0o400}}], role
        [container] = pod["containers"]
        assert {"name": "tls", "mountPath": "/etc/polycorpus-tls", "readOnly": True} in container["volumeMounts"], role
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] == "True" and env["DASK_DISTRIBUTED__COMM__TLS__CA_FILE"] == "/etc/polycorpus-tls/ca.pem"
        assert env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__CERT"] == "/etc/polycorpus-tls/cert.pem", role
        assert env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__KEY"] == "/etc/polycorpus-tls/key.pem", role
    assert pods["SCHEDULER"]["containers"][0]["args"][-2:] == ["--protocol", "tls"]
    worker_env = {e["name"]: e["value"] for e in pods["WORKER"]["containers"][0]["env"]}
    assert worker_env["DASK_SCHEDULER_ADDRESS"] == f"tls://{job['metadata']['name']}-scheduler:8786", "not the operator's tcp:// address"


def test_importing_loads_no_model() -> None:
    code = (
        "import sys, cluster.cli, cluster.runner, cluster.client, tasks.shard\n"
        "from tasks.spacy.pipelines import get_nlp\n"
        "assert get_nlp.cache_info().currsize == 0\n"
        "assert 'fr_core_news_sm' not in sys.modules and 'pyvi' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
