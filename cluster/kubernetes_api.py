"""The Kubernetes side of `cluster.type: kubernetes`: create a run's resources, find its scheduler, delete them.

It talks to the Kubernetes API through kr8s, the client library dask-kubernetes uses; the resources come
from `cluster.client.kubernetes_resources` and the dask-kubernetes operator turns the DaskCluster into a
scheduler pod, its Service and worker pods.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def scheduler_address(resources: list[dict[str, Any]], namespace: str | None, port: int, timeout: float | None) -> Iterator[str]:
    """Create `resources` (one DaskCluster and what goes with it) in `namespace` (None: the kubeconfig's), wait until the
    DaskCluster's scheduler pod is ready and yield the scheduler's "host:port": its Service's name when this process runs
    inside the cluster, else a port forward on 127.0.0.1.

    Everything created is deleted on exit, and owned by the DaskCluster, so that Kubernetes deletes it with the cluster if
    this process dies first. Raises TimeoutError when the scheduler pod is not ready after `timeout` seconds (None: wait
    as long as it takes; image pulls and pod scheduling count), and kr8s's
    errors when the API refuses a resource (no operator installed, no permission).
    """
    import kr8s
    from kr8s.objects import Service, object_from_spec

    api = kr8s.api(namespace=namespace)
    namespace = namespace or api.namespace
    with contextlib.ExitStack() as stack:
        made = []
        for spec in resources:
            item = object_from_spec({**spec, "metadata": {**spec["metadata"], "namespace": namespace}}, api=api, allow_unknown_type=True)
            item.create()
            stack.callback(_delete, item, kr8s.NotFoundError)
            made.append(item)
        [cluster] = [item for item in made if item.kind == "DaskCluster"]
        for item in made:
            if item is not cluster:
                cluster.adopt(item)
        _wait_for_scheduler(api, cluster.name, namespace, timeout)
        service = f"{cluster.name}-scheduler"
        host = f"{service}.{namespace}"
        if not _resolves(host, port):  # outside the cluster
            host, port = "127.0.0.1", stack.enter_context(Service.get(service, namespace=namespace, api=api).portforward(port, local_port="auto"))
        yield f"{host}:{port}"


def _delete(item: Any, missing: type[Exception]) -> None:
    with contextlib.suppress(missing):
        item.delete()


def _wait_for_scheduler(api: Any, cluster: str, namespace: str, timeout: float | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    selector = {"dask.org/cluster-name": cluster, "dask.org/component": "scheduler"}
    while deadline is None or time.monotonic() < deadline:
        if any(pod.ready() for pod in api.get("pods", namespace=namespace, label_selector=selector)):
            return
        time.sleep(1)
    raise TimeoutError(
        f"the scheduler pod of DaskCluster {cluster} in namespace {namespace} was not ready after {timeout:.0f} s "
        f"(cluster.start_timeout, --start-timeout); see kubectl describe pods -n {namespace} -l dask.org/cluster-name={cluster}"
    )


def _resolves(host: str, port: int) -> bool:
    try:
        socket.getaddrinfo(host, port)
    except socket.gaierror:
        return False
    return True
