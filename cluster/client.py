"""Make the executor a run asks for: in-process, a LocalCluster, a scheduler somebody else started, SLURM or Kubernetes.

Every kind yields the same `Executor`, so the runner takes one code path. What polycorpus starts it
also stops; a scheduler it merely connected to is never shut down. Each Dask worker gets the
run's storage options and log levels from a worker plugin, which also runs on restarted workers.

A Dask scheduler runs whatever a client sends it, so every connection off loopback is mutual TLS
(`distributed.security.Security`) unless `cluster.tls: none` says otherwise: `local` listens on
127.0.0.1 in plain TCP; `slurm` makes temporary credentials for the run (or uses `cluster.tls`'s
files) and hands them to its worker jobs; `kubernetes` puts them in a Secret its scheduler and worker
pods mount; `address` connects with `cluster.tls`'s files (or Dask's own `distributed.comm.tls`
settings) and refuses a tls:// scheduler without them.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import shlex
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin
from distributed.security import Security

from cluster.config import CLUSTER_TYPES, ClusterConfig, ConfigError, KubernetesConfig, SlurmConfig, TLSConfig
from cluster.executors import DaskExecutor, Executor, SyncExecutor

log = logging.getLogger(__name__)

# Loggers whose worker-side records are sent back to the client, so they reach the run's log file.
FORWARDED_LOGGERS = ("tasks", "corpus")
_PLUGIN = "polycorpus-setup"
# Dask settings for the workers polycorpus starts, as the environment variables a `dask worker` reads
# (the slurm.sbatch and Kubernetes templates set the same; README, "Running on a cluster"):
# - the statistical profiler samples the task thread every 10 ms, a tax on pure-Python NLP;
# - distributed's MALLOC_TRIM_THRESHOLD_=65536 makes glibc return memory so eagerly that a worker
#   spent ~1.3 s more system time per 25 s of work refaulting pages;
# - every Dask server checks its event loop every 20 ms and samples psutil every 0.5 s: in a worker
#   each check takes the GIL from the task, and a LocalCluster's client process (scheduler and
#   nannies) spent twice the CPU on them;
# - Arrow allocates from the system allocator (glibc malloc), not its default mimalloc pool: mimalloc
#   keeps the pages a task freed in the heap of the thread that allocated them (the task thread and
#   Arrow's I/O threads), so a worker's RSS ratcheted up with every task it ran and its peak grew with
#   the number of documents (docalign on 2 workers: 367 MB at 319 documents, 416 MB at 1,276; with the
#   system allocator 322 MB at both). It must be set before the worker starts: `pyarrow.set_memory_pool`
#   does not reach the pools Arrow's C++ (datasets, Acero) picks itself.
# Workers of a scheduler you started need them set by you.
WORKER_ENVIRONMENT = {
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON": '{"MALLOC_TRIM_THRESHOLD_": None, "ARROW_DEFAULT_MEMORY_POOL": "system"}',
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "500ms",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "2s",
}


class MissingExtra(ConfigError):
    """A cluster type needs an optional dependency that is not installed; the message names the extra."""


class NoWorkerJoined(TimeoutError):
    """No worker of a slurm or kubernetes cluster joined within `cluster.start_timeout`; the message says what to check."""


def _require(module: str, extra: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(f"{module} is not installed ({exc}); install it with: pip install 'polycorpus[{extra}]'") from None


def apply_storage_options(options: dict[str, dict[str, Any]]) -> None:
    """Make `options` ({protocol: {fsspec kwargs}}) the defaults of every filesystem this process opens."""
    import fsspec.config

    for protocol, kwargs in options.items():
        fsspec.config.conf.setdefault(protocol, {}).update(kwargs)


class WorkerSetup(WorkerPlugin):
    """Runs on each worker as it joins (restarted ones too): storage options, and INFO logs to forward."""

    def __init__(self, storage_options: dict[str, dict[str, Any]]) -> None:
        self.storage_options = storage_options

    def setup(self, worker: Any) -> None:
        """Apply the run's settings in the worker process."""
        apply_storage_options(self.storage_options)
        for name in FORWARDED_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO)


def local_cluster(cfg: ClusterConfig, preload: Sequence[str] = ()) -> Any:
    """A LocalCluster of single-threaded worker processes on 127.0.0.1, as the `cluster` config section says.

    Its workers are forked from a forkserver (`start_forkserver`) that has imported `distributed` and
    the modules in `preload`, the ones the caller's tasks need.
    """
    import dask

    workers = cfg.n_workers or os.cpu_count() or 1
    with dask.config.set({**dict(_leaves(dask.config.collect_env(WORKER_ENVIRONMENT))), "distributed.worker.multiprocessing-method": "forkserver"}):
        start_forkserver(("distributed", *preload))
        from distributed import LocalCluster

        return LocalCluster(
            n_workers=workers,
            threads_per_worker=cfg.threads_per_worker,
            processes=True,
            memory_limit=cfg.memory_limit,
            host="127.0.0.1",
            dashboard_address=cfg.dashboard_address,
        )


def start_forkserver(preload: Sequence[str]) -> None:
    """Start the multiprocessing forkserver that a LocalCluster's nannies fork workers from, unless it runs.

    A spawned worker starts a fresh interpreter and imports Dask and its task modules itself (0.6
    CPU-s each here, and a 2-worker ingest reached its first task 0.4-0.6 s later than with forked
    ones); the forkserver imports `preload` once, while this process goes on starting the scheduler.
    Its environment is the workers': a forked worker has the forkserver's, not the one its nanny
    prepares, so the forkserver gets Dask's `distributed.nanny.pre-spawn-environ` and PYTHONHASHSEED
    as a nanny applies them (this process's own values first; None leaves a variable unset). It lives
    until this process exits and serves every later LocalCluster of it; a worker that its nanny
    restarts is spawned (the method is set only while the cluster starts).
    """
    import multiprocessing
    from multiprocessing import forkserver

    import dask

    environ = dask.config.get("distributed.nanny.pre-spawn-environ")
    added = {name: str(value) for name, value in environ.items() if value is not None and name not in os.environ}
    if os.environ.get("PYTHONHASHSEED") in (None, "0"):
        added["PYTHONHASHSEED"] = "6640"  # the seed a nanny gives the workers it spawns, so that hash() agrees with a restarted worker's
    saved = {name: os.environ.get(name) for name in added}
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload))
    os.environ.update(added)
    try:
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def _leaves(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of each leaf of a nested config dict: what dask.config.set takes without replacing siblings."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _lifetime_args(section: SlurmConfig | KubernetesConfig) -> list[str]:
    args = []
    if section.lifetime:
        args += ["--lifetime", str(section.lifetime)]
    if section.lifetime_stagger:
        args += ["--lifetime-stagger", str(section.lifetime_stagger)]
    return args


def mutual_tls(ca: str, cert: str, key: str) -> Security:
    """Mutual TLS for every role (this client, a scheduler and workers we start) from one certificate and key and the CA that
    signed it, each a PEM file's path or PEM text (Dask takes both)."""
    return Security(
        require_encryption=True,
        tls_ca_file=ca,
        tls_client_cert=cert,
        tls_client_key=key,
        tls_scheduler_cert=cert,
        tls_scheduler_key=key,
        tls_worker_cert=cert,
        tls_worker_key=key,
    )


def files_security(tls: TLSConfig) -> Security:
    """Mutual TLS from `cluster.tls`'s files, for every role."""
    return mutual_tls(tls.ca_file, tls.cert_file, tls.key_file)


def temporary_credentials() -> dict[str, str]:
    """A self-signed certificate and key made now (Dask's `Security.temporary()`; the certificate is its own CA), as PEM text
    by file name: {"ca.pem", "cert.pem", "key.pem"}."""
    tls = Security.temporary()
    return {"ca.pem": tls.tls_ca_file, "cert.pem": tls.tls_client_cert, "key.pem": tls.tls_client_key}


def write_temporary_credentials(folder: str) -> TLSConfig:
    """`temporary_credentials()` written into `folder` as ca.pem, cert.pem and key.pem of mode 0600; the `cluster.tls` section naming them."""
    paths = {}
    for key, (name, pem) in zip(("ca_file", "cert_file", "key_file"), temporary_credentials().items()):
        paths[key] = os.path.join(folder, name)
        with os.fdopen(os.open(paths[key], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="ascii") as handle:
            handle.write(pem)
    return TLSConfig(**paths)


def _plain(cfg: ClusterConfig) -> bool:
    """Whether `cluster.tls: none` turns TLS off for the cluster polycorpus starts; says so in a warning."""
    if cfg.tls != "none":
        return False
    log.warning(
        "cluster.tls: none: the %s scheduler and its workers talk plain TCP, and anyone who can reach the scheduler's port can run code as you",
        cfg.type,
    )
    return True


def cluster_security(cfg: ClusterConfig, credentials_dir: str) -> Security | None:
    """The TLS of a networked cluster polycorpus starts: `cluster.tls`'s files, else temporary credentials; None (with a warning) for `tls: none`.

    Temporary credentials are made per run and written into `credentials_dir`, a folder the worker
    jobs can read (files of mode 0600: `write_temporary_credentials`).
    """
    if _plain(cfg):
        return None
    return files_security(cfg.tls if cfg.tls.files else write_temporary_credentials(credentials_dir))


def kubernetes_credentials(cfg: ClusterConfig) -> dict[str, str] | None:
    """The TLS a kubernetes cluster's Secret carries, as PEM text by file name ({"ca.pem", "cert.pem", "key.pem"}):
    `cluster.tls`'s files read now, else `temporary_credentials()` (kept in memory here and in the Secret only);
    None, with a warning, for `tls: none`."""
    if _plain(cfg):
        return None
    if not cfg.tls.files:
        return temporary_credentials()
    pems = {}
    for name, path in zip(("ca.pem", "cert.pem", "key.pem"), (cfg.tls.ca_file, cfg.tls.cert_file, cfg.tls.key_file)):
        with open(path, encoding="ascii") as handle:
            pems[name] = handle.read()
    return pems


def address_security(cfg: ClusterConfig) -> tuple[str | None, Security]:
    """The address to connect to (None: read the scheduler file) and the TLS for a scheduler somebody else started.

    `cluster.tls`'s files make the connection TLS (a tcp:// address is then reached as tls://); without
    them Dask's own `distributed.comm.tls` settings apply. Raises ConfigError, before any connection, for
    a tls:// scheduler and no certificate to present.
    """
    security = files_security(cfg.tls) if isinstance(cfg.tls, TLSConfig) and cfg.tls.files else Security()
    client = security.get_tls_config_for_role("client")
    has_tls = bool(client.get("ca_file") and client.get("cert"))
    address = cfg.scheduler_address
    if address and has_tls and address.startswith("tcp://"):
        address = "tls://" + address.removeprefix("tcp://")
    target = address or _scheduler_file_address(cfg.scheduler_file)
    if target and target.startswith("tls://") and not has_tls:
        where = f"{target}" + (f" (from {cfg.scheduler_file})" if not address else "")
        raise ConfigError(
            f"the scheduler at {where} requires TLS: set cluster.tls.ca_file, cert_file and key_file in a --config file "
            "(the CA that signed the scheduler's certificate, and a certificate and key it accepts)"
        )
    return address, security


def _scheduler_file_address(path: str | None) -> str | None:
    """The address a `dask scheduler --scheduler-file` wrote; None if the file is missing or unreadable (Client reports it)."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle).get("address")
    except (OSError, ValueError):
        return None


def slurm_cluster(cfg: ClusterConfig, credentials_dir: str) -> Any:
    """A dask-jobqueue SLURMCluster from the `cluster` config section (no jobs submitted until it is scaled).

    The scheduler and worker jobs use `cluster_security(cfg, credentials_dir)`: temporary credentials
    go into `credentials_dir`, which the compute nodes must be able to read. Raises MissingExtra
    without dask-jobqueue.
    """
    jobqueue = _require("dask_jobqueue", "slurm")
    slurm = cfg.slurm
    security = cluster_security(cfg, credentials_dir)
    return jobqueue.SLURMCluster(
        cores=slurm.cores,
        processes=max(1, slurm.cores // cfg.threads_per_worker),
        memory=slurm.memory,
        walltime=slurm.walltime,
        queue=slurm.queue,
        account=slurm.account,
        job_extra_directives=list(slurm.job_extra_directives),
        job_script_prologue=[*(f"export {k}={shlex.quote(v)}" for k, v in WORKER_ENVIRONMENT.items()), *slurm.job_script_prologue],
        worker_extra_args=_lifetime_args(slurm),
        python=slurm.python or sys.executable,
        interface=slurm.interface,
        local_directory=slurm.local_directory,
        job_name="polycorpus",
        scheduler_options={"dashboard_address": cfg.dashboard_address},
        security=security,
        protocol="tls://" if security else "tcp://",
    )


# Where the scheduler and worker pods mount the run's TLS Secret, and the scheduler's port (dask-kubernetes' Service).
KUBERNETES_TLS_DIR = "/etc/polycorpus-tls"
KUBERNETES_SCHEDULER_PORT = 8786
# The operator scales workers down and reads the adaptive target through the scheduler's HTTP API
# (the dashboard port); with TLS its fallback, the Dask RPC, cannot reach the scheduler.
_SCHEDULER_API = "distributed.http.scheduler.api"


def kubernetes_resources(cfg: ClusterConfig, credentials: dict[str, str] | None) -> list[dict[str, Any]]:
    """The Kubernetes resources (nested dicts) of a run's cluster for the dask-kubernetes operator, in creation order.

    - With `credentials` (PEM text by file name, `kubernetes_credentials`): a Secret `<name>-tls` holding them, which
      the scheduler and worker pods mount read-only at KUBERNETES_TLS_DIR; the scheduler listens on tls:// only and
      scheduler and workers are started with --tls-ca-file, --tls-cert and --tls-key; workers reach it at
      tls://<name>-scheduler:8786.
    - The DaskCluster: image, resources, env, one thread per worker, `cluster.n_workers` workers (the adaptive
      minimum when adaptive).
    - With `cluster.adaptive`: a DaskAutoscaler between its minimum and maximum.

    Raises MissingExtra without dask-kubernetes.
    """
    import dask

    operator = _require("dask_kubernetes.operator", "kubernetes")
    kube, adaptive = cfg.kubernetes, cfg.adaptive
    cluster = operator.make_cluster_spec(
        name=kube.name,
        image=kube.image,
        n_workers=cfg.n_workers or adaptive.minimum,
        resources=kube.resources,
        env={**WORKER_ENVIRONMENT, **kube.env},
    )
    scheduler_pod, worker_pod = cluster["spec"]["scheduler"]["spec"], cluster["spec"]["worker"]["spec"]
    scheduler, worker = scheduler_pod["containers"][0], worker_pod["containers"][0]
    scheduler["args"] = ["dask", "scheduler", "--host", "0.0.0.0"]
    worker["args"] = [
        "dask",
        "worker",
        "--name",
        "$(DASK_WORKER_NAME)",
        "--nthreads",
        str(cfg.threads_per_worker),
        "--dashboard",
        "--dashboard-address",
        "8788",
        *_lifetime_args(kube),
    ]
    resources = [cluster]
    if credentials:
        secret = f"{kube.name}-tls"
        resources.insert(0, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": secret}, "type": "Opaque", "stringData": dict(credentials)})
        flags = ["--tls-ca-file", f"{KUBERNETES_TLS_DIR}/ca.pem", "--tls-cert", f"{KUBERNETES_TLS_DIR}/cert.pem", "--tls-key", f"{KUBERNETES_TLS_DIR}/key.pem"]
        scheduler["args"] += ["--protocol", "tls", *flags]
        worker["args"] += flags
        routes = [*dask.config.get("distributed.scheduler.http.routes"), _SCHEDULER_API]
        scheduler["env"] += [
            {"name": "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION", "value": "True"},
            {"name": "DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES", "value": json.dumps(list(dict.fromkeys(routes)))},
        ]
        worker["env"] += [
            {"name": "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION", "value": "True"},
            # the operator sets tcp:// unless given; the Service's name resolves within the namespace
            {"name": "DASK_SCHEDULER_ADDRESS", "value": f"tls://{kube.name}-scheduler:{KUBERNETES_SCHEDULER_PORT}"},
        ]
        for pod, container in ((scheduler_pod, scheduler), (worker_pod, worker)):
            pod["volumes"] = [{"name": "tls", "secret": {"secretName": secret, "defaultMode": 0o400}}]
            container["volumeMounts"] = [{"name": "tls", "mountPath": KUBERNETES_TLS_DIR, "readOnly": True}]
    if adaptive.enabled:
        resources.append(
            {
                "apiVersion": "kubernetes.dask.org/v1",
                "kind": "DaskAutoscaler",
                "metadata": {"name": kube.name},
                "spec": {"cluster": kube.name, "minimum": adaptive.minimum, "maximum": adaptive.maximum},
            }
        )
    return resources


def _kubernetes_client(cfg: ClusterConfig, stack: contextlib.ExitStack) -> Any:
    """A client of a DaskCluster made for this run, over mutual TLS unless `tls: none`; the cluster is deleted when `stack` closes.

    polycorpus creates the operator's resources itself (`cluster.kubernetes_api`) and connects as to any
    scheduler: dask-kubernetes' KubeCluster reaches the scheduler it starts over plain TCP only.
    """
    from distributed import Client

    from cluster.kubernetes_api import scheduler_address

    credentials = kubernetes_credentials(cfg)
    resources = kubernetes_resources(cfg, credentials)
    address = stack.enter_context(scheduler_address(resources, cfg.kubernetes.namespace, KUBERNETES_SCHEDULER_PORT, _start_timeout(cfg)))
    _log_size(cfg)
    if credentials:
        return Client(f"tls://{address}", timeout="30s", security=mutual_tls(credentials["ca.pem"], credentials["cert.pem"], credentials["key.pem"]))
    return Client(f"tcp://{address}", timeout="30s")


def _size(cluster: Any, cfg: ClusterConfig) -> None:
    adaptive = cfg.adaptive
    if adaptive.enabled:
        cluster.adapt(minimum=adaptive.minimum, maximum=adaptive.maximum)
    else:
        cluster.scale(cfg.n_workers)
    _log_size(cfg)


def _log_size(cfg: ClusterConfig) -> None:
    if cfg.adaptive.enabled:
        log.info("adaptive cluster: %d to %d workers", cfg.adaptive.minimum, cfg.adaptive.maximum)
    else:
        log.info("asked for %d workers; shards wait in the scheduler until they join", cfg.n_workers)


def _start_timeout(cfg: ClusterConfig) -> float | None:
    """`cluster.start_timeout` in seconds; None to wait as long as it takes."""
    from dask.utils import parse_timedelta

    return None if cfg.start_timeout is None else parse_timedelta(cfg.start_timeout)


def _wait_for_a_worker(client: Any, cfg: ClusterConfig) -> None:
    """Raise NoWorkerJoined when no worker of the slurm or kubernetes cluster joins within `cluster.start_timeout`
    (none is awaited for an adaptive minimum of 0: workers come with the shards)."""
    timeout = _start_timeout(cfg)
    if timeout is None or (cfg.adaptive.enabled and cfg.adaptive.minimum == 0):
        return
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        where = (
            "`squeue --me` shows why the worker jobs wait (partition, account, size, a drained node)"
            if cfg.type == "slurm"
            else f"`kubectl get pods -l dask.org/cluster-name={cfg.kubernetes.name}` shows why the worker pods wait"
        )
        raise NoWorkerJoined(f"no {cfg.type} worker joined within {cfg.start_timeout} (cluster.start_timeout, --start-timeout): {where}") from None


def close_cluster(cluster: Any, timeout: float = 60.0) -> None:
    """Close a cluster polycorpus started, after the run's results are written, waiting at most `timeout` seconds.

    A nanny gives its worker process 4 s to stop, then kills it; when the kill outlasts the nanny's close deadline
    (a loaded machine), or the whole close outlasts `timeout`, distributed raises `TimeoutError`. That is not a
    failure of the run: every shard's rows and manifest are already written. It becomes one warning instead of
    turning a finished run into an error (before, the CLI printed an empty "error:" line and exited 2).
    """
    try:
        cluster.close(timeout=timeout)
    except TimeoutError:
        log.warning("the cluster's worker processes were slow to stop and were killed; the run's results are complete")


def _prepare(client: Any, cfg: ClusterConfig) -> None:
    client.register_plugin(WorkerSetup(cfg.storage_options), name=_PLUGIN)
    for name in FORWARDED_LOGGERS:
        client.forward_logging(name, level=logging.INFO)


def _detach(client: Any) -> None:
    """Take our plugins off a scheduler we do not own, so its workers are left as we found them."""
    for name in (_PLUGIN, *(f"forward-logging-{n}" for n in FORWARDED_LOGGERS)):
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(name)


@contextlib.contextmanager
def open_executor(cfg: ClusterConfig, credentials_dir: str | None = None, preload: Sequence[str] = ()) -> Iterator[Executor]:
    """The executor for the `cluster` config section, closed (and its cluster stopped, if ours) on exit.

    `credentials_dir`: where a slurm cluster writes its temporary TLS files, in a private folder of
    its own removed when the cluster stops (default: the current folder, which compute nodes usually
    share). `preload`: modules a local cluster's workers import before they start (`local_cluster`).
    Raises MissingExtra when the cluster type's extra is not installed, ConfigError for an
    unknown type or a TLS scheduler without certificates, NoWorkerJoined (a TimeoutError) when a slurm or
    kubernetes cluster has no worker after `cluster.start_timeout`.
    """
    from distributed import Client

    logging.getLogger("distributed").setLevel(logging.WARNING)  # importing distributed resets it to INFO
    kind = cfg.type
    apply_storage_options(cfg.storage_options)
    if kind == "sync":
        yield SyncExecutor()
        return
    if kind == "address":
        address, security = address_security(cfg)
        if address:
            client = Client(address, timeout="30s", security=security)
        else:
            client = Client(scheduler_file=cfg.scheduler_file, timeout="30s", security=security)
        try:
            _prepare(client, cfg)
            yield DaskExecutor(client)
        finally:
            _detach(client)
            client.close()  # the scheduler is not ours: never shut it down
        return
    with contextlib.ExitStack() as stack:
        if kind == "kubernetes":
            client = _kubernetes_client(cfg, stack)
        else:
            if kind == "local":
                cluster = local_cluster(cfg, preload)
            elif kind == "slurm":
                private = stack.enter_context(tempfile.TemporaryDirectory(prefix=".polycorpus-tls-", dir=credentials_dir or os.getcwd()))
                cluster = slurm_cluster(cfg, private)
                _size(cluster, cfg)
            else:
                raise ConfigError(f"cluster.type {kind!r} is not one of {', '.join(CLUSTER_TYPES)}")
            stack.callback(close_cluster, cluster)  # before the credentials folder is removed
            client = Client(cluster)  # with the cluster's own security
        try:
            _prepare(client, cfg)
            if kind != "local":
                _wait_for_a_worker(client, cfg)
            yield DaskExecutor(client)
        finally:
            client.close()
