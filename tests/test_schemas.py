"""The pinned schemas: whole, versioned, and enforced by the writers."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from corpus.schemas import SCHEMA_VERSION, TABLES, SchemaError, to_table
from corpus.storage import Location


def test_every_design_table_is_pinned() -> None:
    assert {"documents", "sentences", "tokens", "entities", "alignments", "entity_links", "errors"} <= set(TABLES)


def test_rows_with_extra_or_missing_columns_are_rejected() -> None:
    row = {"doc_id": "d", "shard": "s", "stage": "x", "error_type": "E", "message": "m"}
    to_table("errors", [row])
    with pytest.raises(SchemaError, match="unknown columns \\['host'\\]"):
        to_table("errors", [{**row, "host": "h"}])
    with pytest.raises(SchemaError, match="missing columns \\['message'\\]"):
        to_table("errors", [{k: v for k, v in row.items() if k != "message"}])


def test_mistyped_value_is_rejected() -> None:
    row = {"doc_id": "d", "lang": "en", "sent_idx": "zero", "start": 0, "end": 1, "text": "x"}
    with pytest.raises(SchemaError, match="sentences"):
        to_table("sentences", [row])


def test_written_file_carries_schema_version_and_rejects_nulls(tmp_path) -> None:
    out = Location(str(tmp_path))
    out.write_table(
        "errors", to_table("errors", [{"doc_id": None, "shard": "s", "stage": "x", "error_type": "E", "message": "m"}]), "errors", "part-00000.parquet"
    )
    meta = pq.read_schema(tmp_path / "errors" / "part-00000.parquet").metadata
    assert meta[b"polycorpus.schema_version"] == SCHEMA_VERSION.encode()
    assert meta[b"polycorpus.table"] == b"errors"
    with pytest.raises(SchemaError, match="'shard' has nulls"):
        out.write_table(
            "errors", to_table("errors", [{"doc_id": None, "shard": None, "stage": "x", "error_type": "E", "message": "m"}]), "errors", "bad.parquet"
        )
    assert not (tmp_path / "errors" / "bad.parquet").exists()
    assert [p.name for p in (tmp_path / "errors").iterdir()] == ["part-00000.parquet"]
