"""DOCS and OUT on S3 (moto's server on 127.0.0.1): ingest and a run on Dask workers give the same tables as local disk.

The endpoint and credentials come only from the config's `cluster.storage_options`, so the workers
can only reach the bucket if the run sent those options to them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import generated_jsonl, polycorpus
from tests.test_cluster_address import TABLES, rows

s3fs = pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

BUCKET = "polycorpus-test"


@pytest.fixture(scope="module")
def s3() -> Iterator[dict]:
    """A moto S3 server on a random local port with one empty bucket; yields its fsspec options."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    options = {"endpoint_url": f"http://{host}:{port}", "key": "testing", "secret": "testing"}
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir(BUCKET)
    try:
        yield options
    finally:
        server.stop()


def _s3_rows(fs, root: str, table: str) -> list[tuple]:
    parts = sorted(fs.glob(f"{root}/{table}/part-*.parquet"))
    return sorted(tuple(str(v) for v in row.values()) for p in parts for row in pq.read_table(io.BytesIO(fs.cat_file(p))).to_pylist())


def test_ingest_and_run_on_s3_equal_local_disk(s3: dict, tmp_path: Path) -> None:
    import yaml

    config = tmp_path / "s3.yaml"
    config.write_text(yaml.safe_dump({"cluster": {"storage_options": {"s3": s3}}}))
    src = generated_jsonl(tmp_path / "gen.jsonl", groups=60)
    assert polycorpus("ingest", src, tmp_path / "local", "--shard-size", "0.003") == 0
    assert polycorpus("run", tmp_path / "local" / "documents", tmp_path / "local", "--tasks", "tokenize", "--cluster", "sync") == 0

    remote = f"s3://{BUCKET}/corpus"
    assert polycorpus("ingest", src, remote, "--shard-size", "0.003", "--config", config) == 0
    assert polycorpus("run", f"{remote}/documents", remote, "--tasks", "tokenize", "--config", config, "--workers", "1") == 0

    fs = s3fs.S3FileSystem(**s3)
    root = f"{BUCKET}/corpus"
    local_shards = sorted(p.name for p in (tmp_path / "local" / "documents").glob("part-*.parquet"))
    assert len(local_shards) >= 3
    assert sorted(p.rsplit("/", 1)[-1] for p in fs.glob(f"{root}/documents/part-*.parquet")) == local_shards
    for table in ("documents", *TABLES):
        assert _s3_rows(fs, root, table) == rows(tmp_path / "local", table), table
    assert len(fs.glob(f"{root}/_manifest/part-*.json")) == len(local_shards)
    assert fs.glob(f"{root}/_logs/run-*.log") and fs.exists(f"{root}/_run.json")
    assert not [p for p in fs.find(root) if "/_tmp" in p], "object stores get the final object written once, no temporary names"
