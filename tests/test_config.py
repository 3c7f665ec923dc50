"""The YAML config: shipped defaults, a user's file over them, flags over both, unknown keys and bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster import config as configuration
from cluster.cli import _run_overrides, build_parser
from cluster.config import ConfigError


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "polycorpus.yaml"
    path.write_text(text)
    return str(path)


def test_defaults_are_documented_and_valid() -> None:
    config = configuration.load()
    assert config["cluster"]["type"] == "local" and config["cluster"]["threads_per_worker"] == 1
    shipped = (Path(configuration.__file__).parent / "polycorpus.yaml").read_text()
    for key in ("storage_options", "adaptive", "slurm", "kubernetes", "lifetime", "account", "walltime", "image"):
        assert f"{key}:" in shipped


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "cluster:\n  type: local\n  n_workers: 2\ntasks: [tokenize]\n")
    args = build_parser().parse_args(["run", "D", "O", "--config", path, "--workers", "3", "--tasks", "tokenize,entities"])
    config = configuration.load(args.config, _run_overrides(args))
    assert config["cluster"]["n_workers"] == 3 and config["tasks"] == ["tokenize", "entities"]
    args = build_parser().parse_args(["run", "D", "O", "--config", path, "--scheduler-address", "tcp://10.0.0.1:8786"])
    assert configuration.load(args.config, _run_overrides(args))["cluster"]["type"] == "address"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("cluster:\n  workers: 4\n", "cluster.workers"),
        ("cluster:\n  slurm:\n    acount: x\n", "cluster.slurm.acount"),
        ("clusters: {}\n", "clusters"),
        ("cluster:\n  kubernetes:\n    imag: x\n", "cluster.kubernetes.imag"),
    ],
)
def test_an_unknown_key_is_named(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=f"unknown config key '{named}'"):
        configuration.load(_file(tmp_path, text))


@pytest.mark.parametrize(
    ("cluster", "message"),
    [
        ({"type": "slurm"}, "needs cluster.n_workers"),
        ({"type": "local", "adaptive": {"enabled": True}}, "adaptive works with cluster.type slurm or kubernetes"),
        ({"type": "slurm", "adaptive": {"enabled": True, "minimum": 5, "maximum": 2}}, "minimum <= maximum"),
        ({"type": "slurm", "n_workers": 2, "slurm": {"walltime": "two hours"}}, "not a SLURM time"),
        ({"type": "slurm", "n_workers": 2, "slurm": {"lifetime": "5 fortnights"}}, "cluster.slurm.lifetime"),
        ({"type": "slurm", "n_workers": 2, "slurm": {"memory": "lots"}}, "cluster.slurm.memory"),
        ({"storage_options": {"s3": "http://minio"}}, "cluster.storage_options.s3 must be a mapping"),
        ({"type": "address"}, "needs --scheduler-address or --scheduler-file"),
        ({"type": "yarn"}, "not one of"),
    ],
)
def test_bad_cluster_values_are_named(cluster: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configuration.load(None, {"cluster": cluster})


def test_free_form_sections_take_any_keys_and_replace_the_default(tmp_path: Path) -> None:
    path = _file(tmp_path, "cluster:\n  storage_options:\n    s3: {endpoint_url: 'http://127.0.0.1:9000', anon: false}\n  kubernetes:\n    resources: {limits: {memory: 2Gi}}\n")
    cluster = configuration.load(path)["cluster"]
    assert cluster["storage_options"] == {"s3": {"endpoint_url": "http://127.0.0.1:9000", "anon": False}}
    assert cluster["kubernetes"]["resources"] == {"limits": {"memory": "2Gi"}}


def test_the_cluster_choice_does_not_change_the_config_hash() -> None:
    local = configuration.load(None, {"cluster": {"type": "local", "n_workers": 2}})
    slurm = configuration.load(None, {"cluster": SLURM_MINIMAL})
    assert configuration.config_hash(local) == configuration.config_hash(slurm)
    assert configuration.config_hash(local) != configuration.config_hash(configuration.load(None, {"run": {"batch_size": 8}}))


SLURM_MINIMAL = {"type": "slurm", "n_workers": 16, "slurm": {"account": "a", "walltime": "1-00:00:00"}}
