"""Numbers about a run's output, read from `_run.json`, the manifests and the tables: shard states and counts per language."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from corpus.manifest import RUN_FILE, read_manifests
from corpus.storage import Location


def read_output_table(out: Location, table: str, columns: list[str] | None = None) -> pa.Table | None:
    """All part files of one output table concatenated, or None when the table was not written."""
    parts = [out.read_table(table, name, columns=columns) for name in out.list(table, suffix=".parquet")]
    return pa.concat_tables(parts) if parts else None


def shard_status(out: Location) -> dict[str, Any]:
    """Shards done, failed and pending, from the manifests and the documents folder named in `_run.json`."""
    if not out.exists(RUN_FILE):
        raise FileNotFoundError(f"{out.url} has no {RUN_FILE}: is it the OUT folder of `polycorpus run`?")
    run = out.read_json(RUN_FILE)
    shards = Location(run["docs"]).list(suffix=".parquet")
    manifests = read_manifests(out)
    states: dict[str, list[str]] = {"done": [], "failed": [], "pending": []}
    for shard in shards:
        status = manifests.get(shard, {}).get("status", "pending")
        states[status if status in states else "pending"].append(shard)
    return {
        "docs": run["docs"],
        "tasks": run["tasks"],
        "shards": len(shards),
        **{state: names for state, names in states.items()},
        "tasks_done": {s: manifests[s].get("tasks", []) for s in states["done"]},
        "errors": {s: manifests[s].get("error") for s in states["failed"]},
    }


def corpus_stats(out: Location) -> dict[str, Any]:
    """Documents, sentences and tokens per language, plus shard states and error counts."""
    status = shard_status(out)
    languages: dict[str, dict[str, int]] = defaultdict(lambda: {"documents": 0, "sentences": 0, "tokens": 0})
    docs = Location(status["docs"])
    for name in docs.list(suffix=".parquet"):
        for lang, count in Counter(docs.read_table(name, columns=["lang"]).column("lang").to_pylist()).items():
            languages[lang]["documents"] += count
    tokens = read_output_table(out, "tokens", columns=["lang", "tokens"])
    if tokens is not None:
        lengths = pc.list_value_length(tokens.column("tokens"))
        grouped = pa.table({"lang": tokens.column("lang"), "n": lengths}).group_by("lang").aggregate([("n", "sum"), ("n", "count")])
        for row in grouped.to_pylist():
            languages[row["lang"]]["sentences"] = row["n_count"]
            languages[row["lang"]]["tokens"] = row["n_sum"]
    errors = read_output_table(out, "errors", columns=["stage", "error_type"])
    totals = {key: sum(v[key] for v in languages.values()) for key in ("documents", "sentences", "tokens")}
    return {
        "languages": {lang: languages[lang] for lang in sorted(languages)},
        "totals": totals,
        "shards": {state: len(status[state]) for state in ("done", "failed", "pending")},
        "errors": errors.num_rows if errors is not None else 0,
    }
