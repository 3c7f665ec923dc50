"""The tables of the sample run and of a 2,100-document run, row for row as main wrote them before the task registry.

Each table is summarised as (row count, sha256 of its sorted per-row sha256s): the order of rows and of
part files may change, their content may not. The digests were written by this very code on the commit
before the refactor ("One shape for every task"); a change to any output must update them on purpose.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import generated_jsonl, polycorpus

SAMPLE_DIGESTS = {
    "sentences": (26, "57a347943675c8fd4798ae48ba00161e80cad814b4f35c7378a2bd5177d0e7a5"),
    "tokens": (26, "a2775118edb4b2cdb8fcf80524bf209f9145952776e261fc5546b2566e2ff136"),
    "entities": (15, "7e3967648fdc4ab4e685e9b4d3a41514ae4d799243c9015c8acf31ca87ce1af6"),
    "entity_links": (15, "41d0d19bb5614a4119f99ad928c2e10fdd9da02e081261f4bbc24bc96ebd7176"),
    "alignments": (36, "dd02b72a51dfac85768c9a312ddef781aeba5ba845e1ec1d51975b935af4e5cb"),
    "errors": (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    "lexicon": (257, "98b3b6e4c1d3873ed506fb9afaf56d12b41ae8d127fff98e4b1776a43b18c78a"),
}
GENERATED_DIGESTS = {
    "sentences": (5263, "b33e5946fce9931ad06f7456af34107c7c87f7ae53285aeffb0dbb059b5dce42"),
    "tokens": (5263, "a6cafa3eb656834e163ce932e6061f1e6a6fa43d7dbfbeaf42188dca0e57aef3"),
    "entities": (109, "2df012210ae88bc7cc05576272590333e085136b62be1ab2104c85f29d6dc87c"),
    "entity_links": (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    "alignments": (6111, "c55f720ea0e6f7287dc39e5154ff8380e2dddc280785f2793c1218765a4aad9f"),
    "errors": (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    "lexicon": (14395, "e88d692198a52b2b896e7265f7ca162bcc8dc6ce41dfdce19cce965041db484b"),
}


def table_digest(folder: Path) -> tuple[int, str]:
    """(rows, sha256 of the sorted sha256s of each row as sorted-key JSON) over a table folder's part files."""
    rows = sorted(
        hashlib.sha256(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
        for path in sorted(folder.glob("part-*.parquet"))
        for row in pq.read_table(path).to_pylist()
    )
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


def test_sample_tables_unchanged(sample_full_run: Path) -> None:
    assert {table: table_digest(sample_full_run / table) for table in SAMPLE_DIGESTS} == SAMPLE_DIGESTS


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("golden")
    src = generated_jsonl(work / "gen.jsonl", groups=700)
    out = work / "out"
    assert polycorpus("ingest", src, out, "--shard-size", "0.02") == 0
    assert polycorpus("run", out / "documents", out, "--cluster", "sync") == 0
    return out


def test_generated_tables_unchanged(generated_run: Path) -> None:
    assert {table: table_digest(generated_run / table) for table in GENERATED_DIGESTS} == GENERATED_DIGESTS
