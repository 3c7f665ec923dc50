"""The run configuration: embedded YAML defaults, a user's file over them, flags over both; unknown keys rejected.

Validation happens before any work is submitted, and every message names the key to fix.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from importlib import resources
from typing import Any

import yaml

KNOWN_TASKS = ("tokenize", "entities", "align")
CLUSTER_TYPES = ("local", "sync", "address", "slurm", "kubernetes")
_LANGUAGE = {"model": None, "user_dict": None, "max_length": 1_000_000}  # a language added by the user
_SLURM_TIME = re.compile(r"^(\d+-)?\d+(:\d{1,2}){0,2}$")
# Mappings whose keys are the user's (fsspec options, Kubernetes resources and env): replaced whole, not merged.
_FREE_FORM = ("cluster.storage_options", "cluster.kubernetes.resources", "cluster.kubernetes.env")


class ConfigError(ValueError):
    """The configuration is wrong; the message names the key and what to do."""


def defaults() -> dict[str, Any]:
    """The embedded default configuration."""
    return yaml.safe_load(resources.files("cluster").joinpath("polycorpus.yaml").read_text(encoding="utf-8"))


def _merge(base: Any, override: Any, where: str) -> Any:
    """`override` laid over `base`, key by key, refusing keys and types the base does not have."""
    if isinstance(base, dict):
        if where in _FREE_FORM and isinstance(override, dict):
            return copy.deepcopy(override)
        if not isinstance(override, dict):
            raise ConfigError(f"{where or 'config'} must be a mapping, got {type(override).__name__}")
        merged = copy.deepcopy(base)
        for key, value in override.items():
            path = f"{where}.{key}" if where else str(key)
            if key in base:
                merged[key] = _merge(base[key], value, path)
            elif where == "languages":
                merged[key] = _merge(_LANGUAGE, value, path)
            else:
                known = ", ".join(sorted(base)) or "none"
                raise ConfigError(f"unknown config key {path!r} (known keys here: {known})")
        return merged
    if base is not None and override is not None and base != "auto":
        same = isinstance(override, type(base)) or (type(base) is float and type(override) is int)
        if not same or isinstance(base, bool) != isinstance(override, bool):
            raise ConfigError(f"config key {where!r} must be {type(base).__name__}, got {override!r}")
    return copy.deepcopy(override)


def load(path: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the YAML file at `path`, then `overrides` (nested dicts from command-line flags), validated."""
    config = defaults()
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                user = yaml.safe_load(handle) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
        config = _merge(config, user, "")
    if overrides:
        config = _merge(config, overrides, "")
    check(config)
    return config


def check(config: dict[str, Any]) -> None:
    """Reject values that are well-typed but wrong."""
    bad = [t for t in config["tasks"] if t not in KNOWN_TASKS]
    if bad:
        raise ConfigError(f"unknown task(s) {', '.join(bad)}; tasks are {', '.join(KNOWN_TASKS)}")
    kind = config["cluster"]["type"]
    if kind not in CLUSTER_TYPES:
        raise ConfigError(f"cluster.type {kind!r} is not one of {', '.join(CLUSTER_TYPES)}")
    if kind == "address" and not (config["cluster"]["scheduler_address"] or config["cluster"]["scheduler_file"]):
        raise ConfigError("cluster.type address needs --scheduler-address or --scheduler-file")
    workers = config["cluster"]["n_workers"]
    if workers is not None and workers < 1:
        raise ConfigError(f"cluster.n_workers must be at least 1, got {workers}")
    _check_cluster(config["cluster"])
    for lang in config["languages"]:
        if not (isinstance(lang, str) and len(lang) == 2 and lang.isalpha() and lang.islower()):
            raise ConfigError(f"languages: {lang!r} is not an ISO 639-1 code (two lowercase letters)")


def _check_cluster(cluster: dict[str, Any]) -> None:
    """The cluster section: sizes that make sense, time strings Dask can read, storage options per protocol."""
    from dask.utils import parse_bytes, parse_timedelta

    kind = cluster["type"]
    adaptive = cluster["adaptive"]
    if adaptive["enabled"]:
        if kind not in ("slurm", "kubernetes"):
            raise ConfigError(f"cluster.adaptive works with cluster.type slurm or kubernetes, not {kind}")
        if not 1 <= adaptive["minimum"] <= adaptive["maximum"]:
            raise ConfigError(f"cluster.adaptive needs 1 <= minimum <= maximum, got {adaptive['minimum']} and {adaptive['maximum']}")
    elif kind in ("slurm", "kubernetes") and cluster["n_workers"] is None:
        raise ConfigError(f"cluster.type {kind} needs cluster.n_workers (--workers) or cluster.adaptive.enabled: true")
    for protocol, options in cluster["storage_options"].items():
        if not isinstance(options, dict):
            raise ConfigError(f"cluster.storage_options.{protocol} must be a mapping of fsspec options, e.g. {{endpoint_url: ...}}")
    walltime = cluster["slurm"]["walltime"]
    if walltime is not None and not _SLURM_TIME.match(walltime):
        raise ConfigError(f"cluster.slurm.walltime {walltime!r} is not a SLURM time (HH:MM:SS, D-HH:MM:SS or minutes)")
    values = [("slurm", key) for key in ("lifetime", "lifetime_stagger", "memory")]
    values += [("kubernetes", key) for key in ("lifetime", "lifetime_stagger")]
    for section, key in values:
        value = cluster[section][key]
        parse = parse_bytes if key == "memory" else parse_timedelta
        try:
            if value is not None:
                parse(value)
        except (ValueError, TypeError, KeyError):
            raise ConfigError(f"cluster.{section}.{key}: cannot read {value!r} as a {'size (4GiB)' if key == 'memory' else 'duration (55m, 1h, 300s)'}") from None
    if cluster["slurm"]["cores"] < 1:
        raise ConfigError(f"cluster.slurm.cores must be at least 1, got {cluster['slurm']['cores']}")


def config_hash(config: dict[str, Any]) -> str:
    """A hash of what decides the outputs: everything but the cluster section and the task list."""
    relevant = {k: v for k, v in config.items() if k not in ("cluster", "tasks")}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]
