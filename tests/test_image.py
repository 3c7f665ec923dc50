"""The Kubernetes default image is the one the shipped Dockerfile builds: the Dask image with polycorpus installed."""

from __future__ import annotations

import re

from cluster import config as configuration
from tests.conftest import REPO


def test_the_default_kubernetes_image_is_built_by_the_dockerfile() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    image = configuration.load().cluster.kubernetes.image
    assert f"docker build -t {image} ." in dockerfile
    assert re.search(r"^ARG DASK_IMAGE=ghcr\.io/dask/dask:\S+-py3\.1[1-9]$", dockerfile, re.M) and "FROM ${DASK_IMAGE}" in dockerfile
    assert re.search(r'^RUN pip install --no-cache-dir "/opt/polycorpus\[s3,kubernetes\]"', dockerfile, re.M)
    assert f"docker build -t {image} ." in (REPO / "README.md").read_text(encoding="utf-8")
