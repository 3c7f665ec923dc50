"""The run configuration: embedded YAML defaults, a user's file over them, flags over both, parsed once into a `Config`.

The YAML file holds the defaults of `languages`, `tasks`, `run` and `cluster`; a section named after a
registered task holds that task's options, whose defaults are its options dataclass's own. Unknown keys
and values of the wrong type are rejected before any work is submitted, and every message names the
full key path to fix (`unknown config key 'cluster.workers'`).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal, get_args, get_origin, get_type_hints

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, create_model, model_validator
from pydantic_core import ErrorDetails, to_jsonable_python

from corpus.records import TaskHashes, digest
from tasks.base import OptionError

CLUSTER_TYPES = ("local", "sync", "address", "slurm", "kubernetes")
_SLURM_TIME = re.compile(r"^(\d+-)?\d+(:\d{1,2}){0,2}$")
_SECRET = re.compile(r"secret|password|token|credential|key", re.IGNORECASE)


class ConfigError(ValueError):
    """The configuration is wrong; the message names the key and what to do."""


class _Section(BaseModel):
    """A config section: its keys are fixed, its types strict (an int is not a str, a bool not an int), read-only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LanguageConfig(_Section):
    """One `languages:` entry, how to build that language's pipeline; keys it lacks take `LanguageSpec`'s defaults."""

    model: str | None
    user_dict: str | None
    max_length: int

    @model_validator(mode="before")
    @classmethod
    def _spec_defaults(cls, data: Any) -> Any:
        from tasks.spacy.spec import LanguageSpec

        defaults = {key: value for key, value in dataclasses.asdict(LanguageSpec()).items() if key in cls.model_fields}
        return {**defaults, **data} if isinstance(data, dict) else data


class RunSettings(_Section):
    """The `run:` section: documents per nlp.pipe batch, extra attempts Dask makes for a failed shard, and
    whether the documents are hard-wrapped (a single line break is a space; only a blank line ends a paragraph)."""

    batch_size: int
    retries: int
    hard_wrapped: bool


class AdaptiveConfig(_Section):
    """`cluster.adaptive`: grow and shrink the worker count between minimum and maximum (slurm and kubernetes)."""

    enabled: bool
    minimum: int
    maximum: int


class SlurmConfig(_Section):
    """`cluster.slurm`: the SLURM job of each worker process; durations are strings such as 55m or seconds."""

    cores: int
    memory: str | None
    walltime: str | None
    queue: str | None
    account: str | None
    job_extra_directives: list[str]
    job_script_prologue: list[str]
    lifetime: str | int | None
    lifetime_stagger: str | int | None
    python: str | None
    interface: str | None
    local_directory: str | None


class KubernetesConfig(_Section):
    """`cluster.kubernetes`: the DaskCluster resource; `resources` and `env` are free-form and replaced whole."""

    name: str
    namespace: str | None
    image: str
    resources: dict[str, Any]
    env: dict[str, Any]
    lifetime: str | int | None
    lifetime_stagger: str | int | None


class TLSConfig(_Section):
    """`cluster.tls`: PEM files for mutual TLS with the scheduler: the CA that signed the certificates, this side's certificate and key."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    @property
    def files(self) -> bool:
        """Whether the three files are given."""
        return bool(self.ca_file and self.cert_file and self.key_file)


class ClusterConfig(_Section):
    """The `cluster:` section: where a run's shards run. `storage_options` ({protocol: {fsspec options}}) is replaced whole."""

    type: str
    n_workers: int | None
    threads_per_worker: int
    memory_limit: str | int | float | None
    scheduler_address: str | None
    scheduler_file: str | None
    dashboard_address: str | None
    start_timeout: str | int | None
    storage_options: dict[str, Any]
    adaptive: AdaptiveConfig
    slurm: SlurmConfig
    kubernetes: KubernetesConfig
    tls: TLSConfig | Literal["none"]


class Config(_Section):
    """A validated run configuration, made by `load`; attribute access (`config.cluster.slurm.walltime`).

    Besides its sections it holds the options of every task registered when it was loaded: see `task_options`.
    """

    languages: dict[str, LanguageConfig]
    tasks: list[str]
    run: RunSettings
    cluster: ClusterConfig
    _options: dict[str, Any] = PrivateAttr(default_factory=dict)

    def task_options(self, name: str) -> Any:
        """The options of task `name` (an instance of its options dataclass), from its config section.

        `NoOptions()` for a task without options. Raises `tasks.registry.UnknownTask` for a task that was
        not registered when the config was loaded.
        """
        if name not in self._options:
            from tasks.registry import UnknownTask

            raise UnknownTask(f"unknown task {name!r}; tasks are {', '.join(self._options)}")
        return self._options[name]

    def hash(self) -> str:
        """16 hex digits over what decides the outputs: every section but `cluster` and `tasks`, task options included.

        Manifests and run records keep it for the record; what a rerun redoes is decided per task by `task_hashes`.
        """
        return digest({k: v for k, v in self._sections().items() if k not in ("cluster", "tasks")})

    def task_hashes(self, values: Mapping[str, str] | None = None) -> TaskHashes:
        """The digests that decide each registered task's outputs: its options, its requirements, each language's pipeline settings, its inputs.

        A language's settings are its `languages` entry and `run.hard_wrapped` (as `language_specs` builds its
        LanguageSpec); `run.batch_size` and `run.retries` decide no output. An unlisted language gets `LanguageSpec()`.
        `values` (task name -> digest of its saved corpus-step value) decide the tables those tasks write: a task
        that reads one of them (not one it writes itself) has the writer's digest among its inputs.
        """
        from tasks.registry import registered
        from tasks.spacy.spec import LanguageSpec

        tasks = {name: task for name, task in registered().items() if name in self._options}
        inputs = {
            name: {
                writer: (values or {})[writer]
                for writer, other in tasks.items()
                if writer != name and writer in (values or {}) and set(other.tables) & set(task.reads)
            }
            for name, task in tasks.items()
        }
        return TaskHashes(
            options={name: digest(to_jsonable_python(value)) for name, value in self._options.items()},
            requires={name: task.requires for name, task in registered().items() if name in self._options},
            languages={lang: digest({**entry.model_dump(mode="json"), "hard_wrapped": self.run.hard_wrapped}) for lang, entry in self.languages.items()},
            unlisted=digest(dataclasses.asdict(LanguageSpec())),
            inputs={name: found for name, found in inputs.items() if found},
            partnered=tuple(name for name, task in tasks.items() if task.partners),
        )

    def recorded(self) -> dict[str, Any]:
        """The config as `OUT/_run.json` records it: {section: JSON-able values}, storage options that look like credentials hidden."""
        sections = self._sections()
        sections["cluster"]["storage_options"] = _hide_credentials(sections["cluster"]["storage_options"])
        return sections

    def _sections(self) -> dict[str, Any]:
        """Every section as JSON-able values, with a section per task that has options."""
        from tasks.registry import names, options_owner

        shared = {name for name in names() if options_owner(name) is not None}
        options = {name: to_jsonable_python(value) for name, value in self._options.items() if dataclasses.fields(value) and name not in shared}
        return {**self.model_dump(mode="json"), **options}


def _hide_credentials(value: Any, key: str = "") -> Any:
    """`value` with every non-null value whose key looks like a credential, at any depth of its mappings, "<redacted>"."""
    if isinstance(value, dict):
        return {k: _hide_credentials(v, str(k)) for k, v in value.items()}
    return "<redacted>" if value is not None and _SECRET.search(key) else value


def defaults() -> dict[str, Any]:
    """The embedded default configuration (cluster/polycorpus.yaml) as nested dicts; it has no task option sections."""
    return yaml.safe_load(resources.files("cluster").joinpath("polycorpus.yaml").read_text(encoding="utf-8"))


def _options_section(options: type) -> type[_Section]:
    """A section model with the fields, types and defaults of the options dataclass `options`."""
    hints = get_type_hints(options)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(options):
        if field.default is not dataclasses.MISSING:
            fields[field.name] = (hints[field.name], field.default)
        elif field.default_factory is not dataclasses.MISSING:
            fields[field.name] = (hints[field.name], Field(default_factory=field.default_factory))
        else:
            fields[field.name] = (hints[field.name], ...)
    return create_model(f"{options.__name__}Section", __base__=_Section, **fields)


@functools.cache
def _file_model(options: tuple[tuple[str, type], ...]) -> type[Config]:
    """The shape of a config file: `Config`'s sections plus one for each (task name, options dataclass) with fields."""
    sections: dict[str, Any] = {}
    for name, cls in options:
        if not dataclasses.fields(cls):
            continue
        if name in Config.model_fields:
            raise ConfigError(f"task {name!r} has options, but {name!r} is a config section of its own: rename the task")
        sections[name] = (_options_section(cls), ...)
    return create_model("ConfigFile", __base__=Config, **sections)


def _is_section(kind: Any) -> bool:
    """Whether values of type `kind` merge key by key: a section model, or a mapping of them (`languages`)."""
    return _is_model(kind) or (get_origin(kind) is dict and _is_model(get_args(kind)[1]))


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _child(kind: Any, key: Any) -> Any:
    """The type of `key` inside a value of section type `kind`; None for a key the section does not have."""
    if _is_model(kind):
        field = kind.model_fields.get(key)
        return field.annotation if field else None
    return get_args(kind)[1]


def _merge(base: Any, override: Any, kind: Any, where: str) -> Any:
    """`override` laid over `base` (of type `kind`, at key path `where`): sections merge key by key, anything else is replaced.

    Free-form mappings (`cluster.storage_options`) and lists are replaced whole. Raises ConfigError where a
    section is given something other than a mapping; unknown keys are kept, for validation to name.
    """
    if not _is_section(kind):
        return copy.deepcopy(override)
    if not isinstance(override, dict):
        raise ConfigError(f"{where or 'config'} must be a mapping, got {type(override).__name__}")
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(base.get(key, {}), value, _child(kind, key), f"{where}.{key}" if where else str(key))
    return merged


def _read(path: str) -> dict[str, Any]:
    """The user's config file as nested dicts; ConfigError if it cannot be read or is not a YAML mapping."""
    try:
        with open(path, encoding="utf-8") as handle:
            user = yaml.safe_load(handle) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 (byte {exc.start}: {exc.reason})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(user, dict):
        raise ConfigError(f"config file {path} must be a mapping of config sections, got {type(user).__name__}")
    return user


def _message(model: type[Config], errors: list[ErrorDetails]) -> str:
    """One line for the first validation error, naming its full key path (list indexes and union members left off)."""
    first = errors[0]
    if first["type"] == "extra_forbidden":
        holder: Any = model
        for key in first["loc"][:-1]:
            holder = _child(holder, key)
        known = ", ".join(sorted(holder.model_fields)) or "none"
        return f"unknown config key {'.'.join(map(str, first['loc']))!r} (known keys here: {known})"

    def path(error: ErrorDetails) -> str:
        parts, kind = [], model
        for key in error["loc"]:
            kind = _child(kind, key) if _is_section(kind) else None
            if kind is None:
                break
            parts.append(str(key))
        return ".".join(parts)

    where = path(first)
    reasons = list(dict.fromkeys(e["msg"] for e in errors if path(e) == where))
    return f"config key {where!r}: {' or '.join(reasons).replace(' or Input should be ', ' or ')} (got {first['input']!r})"


def load(path: str | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """The defaults, then the YAML file at `path`, then `overrides` (nested dicts from flags), validated into a `Config`.

    A section named after a registered task is validated into that task's options dataclass, whose
    defaults fill the keys it lacks. Raises ConfigError naming the key for an unreadable file, an unknown
    key, a value of the wrong type or a value `check` rejects.
    """
    from tasks.registry import names, options_class, options_owner

    known = names()  # the tasks' names and options only: reading a config imports no task's work
    owners = {name: options_owner(name) for name in known}
    tasks = {name: options_class(name) for name in known}
    model = _file_model(tuple((name, kind) for name, kind in tasks.items() if owners[name] is None))
    raw = {**defaults(), **{name: {} for name in model.model_fields if name not in Config.model_fields}}
    for layer in (_read(path) if path else None, overrides):
        if layer:
            raw = _merge(raw, layer, model, "")
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_message(model, exc.errors())) from None
    config = Config.model_construct(**{name: getattr(parsed, name) for name in Config.model_fields})
    options = {}
    for name, kind in tasks.items():  # one at a time, so an error names the section even when tasks share an option name
        if owners[name] is not None:
            continue
        try:
            options[name] = kind(**dict(getattr(parsed, name))) if name in model.model_fields else kind()
        except OptionError as exc:
            raise ConfigError(f"config key '{name}.{exc.key}': {exc.reason}") from None
    for name, owner in owners.items():
        if owner is not None:
            options[name] = options[owner]
    config._options = dict(sorted(options.items(), key=lambda item: known.index(item[0])))
    check(config)
    return config


def check(config: Config) -> None:
    """Reject values that are well-typed but wrong: unknown tasks, cluster settings, language codes; raises ConfigError."""
    from tasks.registry import names

    known = names()
    if not config.tasks:
        raise ConfigError(f"no tasks to run; name some with --tasks or the config's `tasks:` (registered: {', '.join(known)})")
    bad = [t for t in config.tasks if t not in known]
    if bad:
        raise ConfigError(f"unknown task(s) {', '.join(bad)}; tasks are {', '.join(known)}")
    cluster = config.cluster
    if cluster.type not in CLUSTER_TYPES:
        raise ConfigError(f"cluster.type {cluster.type!r} is not one of {', '.join(CLUSTER_TYPES)}")
    if cluster.type == "address" and not (cluster.scheduler_address or cluster.scheduler_file):
        raise ConfigError("cluster.type address needs --scheduler-address or --scheduler-file")
    if cluster.n_workers is not None and cluster.n_workers < 1:
        raise ConfigError(f"cluster.n_workers must be at least 1, got {cluster.n_workers}")
    _check_cluster(cluster)
    for key, value, low in (("run.batch_size", config.run.batch_size, 1), ("run.retries", config.run.retries, 0)):
        if value < low:
            raise ConfigError(f"{key} must be at least {low}, got {value}")
    for lang, entry in config.languages.items():
        check_language(lang, "languages")
        if entry.max_length < 1:
            raise ConfigError(f"languages.{lang}.max_length must be at least 1 (characters per spaCy call), got {entry.max_length}")
        if entry.user_dict is not None and not os.path.isfile(entry.user_dict):
            raise ConfigError(f"languages.{lang}.user_dict: {entry.user_dict} is not a file")


def check_language(lang: str, where: str) -> None:
    """Reject a language code that is not ISO 639-1 (two lowercase letters) with a ConfigError naming `where` it was given."""
    if not (len(lang) == 2 and lang.isalpha() and lang.islower()):
        raise ConfigError(f"{where}: {lang!r} is not an ISO 639-1 code (two lowercase letters, such as fr)")


def _check_cluster(cluster: ClusterConfig) -> None:
    """The cluster section: sizes that make sense, time strings Dask can read, storage options per protocol."""
    kind = cluster.type
    adaptive = cluster.adaptive
    if adaptive.enabled:
        if kind not in ("slurm", "kubernetes"):
            raise ConfigError(f"cluster.adaptive works with cluster.type slurm or kubernetes, not {kind}")
        if not 0 <= adaptive.minimum <= adaptive.maximum or adaptive.maximum < 1:
            raise ConfigError(f"cluster.adaptive needs 0 <= minimum <= maximum and maximum >= 1, got {adaptive.minimum} and {adaptive.maximum}")
    elif kind in ("slurm", "kubernetes") and cluster.n_workers is None:
        raise ConfigError(f"cluster.type {kind} needs cluster.n_workers (--workers) or cluster.adaptive.enabled: true")
    for protocol, options in cluster.storage_options.items():
        if not isinstance(options, dict):
            raise ConfigError(f"cluster.storage_options.{protocol} must be a mapping of fsspec options, e.g. {{endpoint_url: ...}}")
    walltime = cluster.slurm.walltime
    if walltime is not None and not _SLURM_TIME.match(walltime):
        raise ConfigError(f"cluster.slurm.walltime {walltime!r} is not a SLURM time (HH:MM:SS, D-HH:MM:SS or minutes)")
    # Sizes and durations are read as Dask reads them, in the section of the cluster type only (the others are not used).
    sections: dict[str, tuple[BaseModel, tuple[str, ...]]] = {
        "slurm": (cluster.slurm, ("lifetime", "lifetime_stagger", "memory")),
        "kubernetes": (cluster.kubernetes, ("lifetime", "lifetime_stagger")),
    }
    if kind in sections:
        from dask.utils import parse_bytes, parse_timedelta

        settings, keys = sections[kind]
        values = [(f"cluster.{kind}.{key}", settings, key) for key in keys] + [("cluster.start_timeout", cluster, "start_timeout")]
        for where, owner, key in values:
            value = getattr(owner, key)
            parse = parse_bytes if key == "memory" else parse_timedelta
            try:
                if value is not None:
                    parse(value)
            except (ValueError, TypeError, KeyError):
                raise ConfigError(f"{where}: cannot read {value!r} as a {'size (4GiB)' if key == 'memory' else 'duration (55m, 1h, 300s)'}") from None
    if isinstance(cluster.tls, TLSConfig):
        given = {key: getattr(cluster.tls, key) for key in ("ca_file", "cert_file", "key_file")}
        if any(given.values()) and not all(given.values()):
            missing = ", ".join(f"cluster.tls.{key}" for key, value in given.items() if not value)
            raise ConfigError(f"cluster.tls needs ca_file, cert_file and key_file together; set {missing} too (or `cluster.tls: none`)")
        for key, path in given.items():
            if path and not os.path.isfile(path):
                raise ConfigError(f"cluster.tls.{key}: {path} is not a file")
    if cluster.slurm.cores < 1:
        raise ConfigError(f"cluster.slurm.cores must be at least 1, got {cluster.slurm.cores}")
