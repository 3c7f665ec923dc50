"""Per-shard manifests, the completion markers of a run: written last, read to decide what is left to do.

`OUT/_manifest/part-NNNNN.json` exists only once a shard's outputs are all in place (status done),
or once the runner gave up on it (status failed). Anything else is pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus.storage import Location

MANIFEST_DIR = "_manifest"
RUN_FILE = "_run.json"


def shard_stem(shard: str) -> str:
    """`part-00003.parquet` -> `part-00003`."""
    return shard.rsplit(".", 1)[0]


def write_manifest(out: Location, shard: str, manifest: dict) -> None:
    """Write a shard's manifest atomically (always the last file a shard writes)."""
    out.write_json(manifest, MANIFEST_DIR, shard_stem(shard) + ".json")


def read_manifest(out: Location, shard: str) -> dict | None:
    """The manifest of one shard, or None when it has none yet."""
    name = shard_stem(shard) + ".json"
    return out.read_json(MANIFEST_DIR, name) if out.exists(MANIFEST_DIR, name) else None


def read_manifests(out: Location) -> dict[str, dict]:
    """Every manifest under OUT, keyed by shard file name."""
    manifests = {}
    for name in out.list(MANIFEST_DIR, suffix=".json"):
        manifest = out.read_json(MANIFEST_DIR, name)
        manifests[manifest["shard"]] = manifest
    return manifests


@dataclass(frozen=True)
class ShardState:
    """What a rerun must do for one shard: the tasks left, or nothing."""

    shard: str
    status: str  # pending, done, failed
    todo: tuple[str, ...]


def plan(shards: list[str], manifests: dict[str, dict], tasks: tuple[str, ...], config_hash: str, force: bool, retry_failed: bool) -> list[ShardState]:
    """Decide per shard which tasks a run must do, from its manifest and the run flags."""
    states = []
    for shard in shards:
        manifest = manifests.get(shard)
        if manifest is None or force:
            states.append(ShardState(shard, "pending" if manifest is None else manifest["status"], tasks))
        elif manifest["status"] == "failed":
            states.append(ShardState(shard, "failed", tasks if retry_failed else ()))
        else:
            done = set(manifest["tasks"]) if manifest.get("config_hash") == config_hash else set()
            states.append(ShardState(shard, "done", tuple(t for t in tasks if t not in done)))
    return states
