"""Pinned Arrow schemas of every polycorpus table, and the one place that checks rows against them.

The columns listed here are the whole schema: no timestamps or hostnames, so two runs over the same
input give identical tables. The schema version is stored in each Parquet file's metadata.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"
META_VERSION_KEY = b"polycorpus.schema_version"
META_TABLE_KEY = b"polycorpus.table"

_int32_list = pa.list_(pa.int32())

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("group_id", pa.string()),
            pa.field("lang", pa.string(), nullable=False),
            pa.field("title", pa.string()),
            pa.field("text", pa.string(), nullable=False),
            pa.field("source", pa.string()),
            pa.field("meta", pa.string()),
        ]
    ),
    "sentences": pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("lang", pa.string(), nullable=False),
            pa.field("sent_idx", pa.int32(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
        ]
    ),
    "tokens": pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("lang", pa.string(), nullable=False),
            pa.field("sent_idx", pa.int32(), nullable=False),
            pa.field("tokens", pa.list_(pa.string()), nullable=False),
            pa.field("starts", _int32_list, nullable=False),
            pa.field("ends", _int32_list, nullable=False),
        ]
    ),
    "entities": pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("group_id", pa.string()),
            pa.field("lang", pa.string(), nullable=False),
            pa.field("ent_idx", pa.int32(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("norm", pa.string(), nullable=False),
            pa.field("amount", pa.decimal128(38, 6)),
            pa.field("currency", pa.string()),
            pa.field("source", pa.string(), nullable=False),
            pa.field("score", pa.float32()),
        ]
    ),
    "alignments": pa.schema(
        [
            pa.field("group_id", pa.string()),
            pa.field("src_doc_id", pa.string(), nullable=False),
            pa.field("tgt_doc_id", pa.string(), nullable=False),
            pa.field("src_lang", pa.string(), nullable=False),
            pa.field("tgt_lang", pa.string(), nullable=False),
            pa.field("src_sents", _int32_list, nullable=False),
            pa.field("tgt_sents", _int32_list, nullable=False),
            pa.field("score", pa.float32()),
            pa.field("method", pa.string(), nullable=False),
        ]
    ),
    "entity_links": pa.schema(
        [
            pa.field("group_id", pa.string()),
            pa.field("link_id", pa.string(), nullable=False),
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("ent_idx", pa.int32(), nullable=False),
            pa.field("lang", pa.string(), nullable=False),
            pa.field("norm", pa.string(), nullable=False),
        ]
    ),
    "document_pairs": pa.schema(
        [
            pa.field("src_doc_id", pa.string(), nullable=False),
            pa.field("tgt_doc_id", pa.string(), nullable=False),
            pa.field("src_lang", pa.string(), nullable=False),
            pa.field("tgt_lang", pa.string(), nullable=False),
            pa.field("score", pa.float32(), nullable=False),
            pa.field("method", pa.string(), nullable=False),
            pa.field("src_shard", pa.string(), nullable=False),
            pa.field("tgt_shard", pa.string(), nullable=False),
        ]
    ),
    "errors": pa.schema(
        [
            pa.field("doc_id", pa.string()),
            pa.field("shard", pa.string(), nullable=False),
            pa.field("stage", pa.string(), nullable=False),
            pa.field("error_type", pa.string(), nullable=False),
            pa.field("message", pa.string(), nullable=False),
        ]
    ),
    "lexicon": pa.schema(
        [
            pa.field("src_lang", pa.string(), nullable=False),
            pa.field("tgt_lang", pa.string(), nullable=False),
            pa.field("src", pa.string(), nullable=False),
            pa.field("tgt", pa.string(), nullable=False),
            pa.field("prob", pa.float32(), nullable=False),
        ]
    ),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)


class SchemaError(ValueError):
    """Rows or a file that do not match a table's pinned schema."""


def schema_for(table: str, schema: pa.Schema | None = None) -> pa.Schema:
    """The pinned schema of `table` (or `schema`, a task's own table's), with the version and table name in its metadata.

    Raises SchemaError for a table that has no pinned schema and is given none.
    """
    if schema is None:
        try:
            schema = SCHEMAS[table]
        except KeyError:
            raise SchemaError(f"unknown table {table!r}; known tables: {', '.join(TABLES)}") from None
    return schema.with_metadata({META_VERSION_KEY: SCHEMA_VERSION.encode(), META_TABLE_KEY: table.encode()})


def to_table(table: str, rows: list[dict], schema: pa.Schema | None = None) -> pa.Table:
    """Build an Arrow table of `table` (schema as in `schema_for`) from row dicts, rejecting missing, extra or mistyped columns."""
    schema = schema_for(table, schema)
    names = set(schema.names)
    for i, row in enumerate(rows):
        extra = set(row) - names
        missing = names - set(row)
        if extra or missing:
            raise SchemaError(
                f"{table} row {i}: "
                + "; ".join(
                    part
                    for part in (
                        f"unknown columns {sorted(extra)}" if extra else "",
                        f"missing columns {sorted(missing)}" if missing else "",
                    )
                    if part
                )
            )
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise SchemaError(f"{table}: {exc}") from exc


def validate(table: str, data: pa.Table, schema: pa.Schema | None = None) -> pa.Table:
    """Check an Arrow table against the pinned schema of `table` (or `schema`) and return it with that schema."""
    schema = schema_for(table, schema)
    if data.schema.names != schema.names:
        raise SchemaError(f"{table}: columns {data.schema.names} differ from the pinned {schema.names}")
    for field in schema:
        if not field.nullable and data.column(field.name).null_count:
            raise SchemaError(f"{table}: column {field.name!r} has nulls but is required")
    try:
        return data.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError) as exc:
        raise SchemaError(f"{table}: {exc}") from exc
