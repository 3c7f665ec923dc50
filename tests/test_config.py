"""The YAML config: shipped defaults, a user's file over them, flags over both, parsed into a typed `Config`;
unknown keys and bad values named; the hash that decides resuming; the record in `_run.json`."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from cluster import config as configuration
from cluster.cli import _run_overrides, build_parser
from cluster.config import ConfigError
from tasks.registry import UnknownTask
from tasks.spacy.spec import LanguageSpec


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "polycorpus.yaml"
    path.write_text(text)
    return str(path)


def test_defaults_are_documented_and_valid() -> None:
    config = configuration.load()
    assert config.cluster.type == "local" and config.cluster.threads_per_worker == 1
    shipped = (Path(configuration.__file__).parent / "polycorpus.yaml").read_text()
    for key in ("storage_options", "adaptive", "slurm", "kubernetes", "lifetime", "account", "walltime", "image"):
        assert f"{key}:" in shipped


def test_reading_the_config_imports_no_spacy() -> None:
    """Parallel ingest reads the config before it starts its cluster: importing spaCy there cost 0.5 s of a 22 s ingest."""
    probe = "import sys\nfrom cluster import config\nconfig.load()\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'spacy'))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "cluster:\n  type: local\n  n_workers: 2\ntasks: [tokenize]\n")
    args = build_parser().parse_args(["run", "D", "O", "--config", path, "--workers", "3", "--tasks", "tokenize,entities"])
    config = configuration.load(args.config, _run_overrides(args))
    assert config.cluster.n_workers == 3 and config.tasks == ["tokenize", "entities"]
    args = build_parser().parse_args(["run", "D", "O", "--config", path, "--scheduler-address", "tcp://10.0.0.1:8786"])
    assert configuration.load(args.config, _run_overrides(args)).cluster.type == "address"


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
        ({"type": "kubernetes", "n_workers": 2, "tls": "none", "kubernetes": {"lifetime": "5 fortnights"}}, "cluster.kubernetes.lifetime"),
        ({"storage_options": {"s3": "http://minio"}}, "cluster.storage_options.s3 must be a mapping"),
        ({"type": "address"}, "needs --scheduler-address or --scheduler-file"),
        ({"type": "yarn"}, "not one of"),
    ],
)
def test_bad_cluster_values_are_named(cluster: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configuration.load(None, {"cluster": cluster})


def test_free_form_sections_take_any_keys_and_replace_the_default(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "cluster:\n  storage_options:\n    s3: {endpoint_url: 'http://127.0.0.1:9000', anon: false}\n  kubernetes:\n    resources: {limits: {memory: 2Gi}}\n",
    )
    cluster = configuration.load(path).cluster
    assert cluster.storage_options == {"s3": {"endpoint_url": "http://127.0.0.1:9000", "anon": False}}
    assert cluster.kubernetes.resources == {"limits": {"memory": "2Gi"}}


def test_the_cluster_choice_does_not_change_the_config_hash() -> None:
    local = configuration.load(None, {"cluster": {"type": "local", "n_workers": 2}})
    slurm = configuration.load(None, {"cluster": SLURM_MINIMAL})
    assert local.hash() == slurm.hash()
    assert local.hash() != configuration.load(None, {"run": {"batch_size": 8}}).hash()


def test_the_default_hash_is_the_one_earlier_versions_wrote() -> None:
    """The hash of the defaults moves only on purpose. It last moved with docalign's partition sizes and the
    assignment's DuckDB memory (`bucket_postings`, `partition_pairs`, `assign_memory`, issue 17: intermediate tables
    on disk); before that with align's max_bead default, 3 to 4 (issue 14: 1-4, 4-1, 2-3 and 3-2 beads); before that with align's lexicon pruning and ratio_tolerance options (issue 14), with `languages.en.model: auto` (English entities from a model, issue 13), when
    the `docalign` task's section joined the config (a record only: what a rerun redoes is decided per task by
    `task_hashes`), and with `run.hard_wrapped`: a line break now ends a sentence by default."""
    assert configuration.load().hash() == "cb7cc889bcbee4db"


def test_task_options_change_the_hash_and_the_task_list_does_not() -> None:
    default = configuration.load().hash()
    assert configuration.load(None, {"tasks": ["tokenize"]}).hash() == default
    assert configuration.load(None, {"align": {"band": 10}}).hash() != default
    assert configuration.load(None, {"languages": {"fr": {"max_length": 5000}}}).hash() != default


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"run": {"batch_size": "64"}}, "config key 'run.batch_size': Input should be a valid integer"),
        ({"cluster": {"adaptive": {"enabled": 1}}}, "config key 'cluster.adaptive.enabled': Input should be a valid boolean"),
        ({"cluster": {"memory_limit": [4]}}, "config key 'cluster.memory_limit': Input should be a valid string or a valid integer"),
        ({"cluster": {"slurm": {"job_extra_directives": "--exclusive"}}}, "config key 'cluster.slurm.job_extra_directives'"),
        ({"tasks": ["tokenize", 3]}, "config key 'tasks'"),
        ({"cluster": 5}, "cluster must be a mapping, got int"),
        ({"languages": {"de": "de_core_news_sm"}}, "languages.de must be a mapping, got str"),
        ({"languages": {"de": {"modle": "x"}}}, "unknown config key 'languages.de.modle'"),
        ({"languages": {"DE": {}}}, "'DE' is not an ISO 639-1 code"),
        ({"tasks": ["tokenize", "parse"]}, r"unknown task\(s\) parse"),
    ],
)
def test_bad_values_are_named_with_their_key_path(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configuration.load(None, overrides)


def test_a_file_that_is_not_a_mapping_is_named(tmp_path: Path) -> None:
    path = _file(tmp_path, "- tokenize\n")
    with pytest.raises(ConfigError, match=f"config file {path} must be a mapping"):
        configuration.load(path, {"tasks": ["tokenize"]})


def test_an_added_language_gets_the_pipeline_defaults_and_a_listed_one_is_merged(tmp_path: Path) -> None:
    languages = configuration.load(_file(tmp_path, "languages:\n  de: {model: de_core_news_sm}\n  fr: {max_length: 5000}\n")).languages
    spec = LanguageSpec()
    assert (languages["de"].model, languages["de"].user_dict, languages["de"].max_length) == ("de_core_news_sm", spec.user_dict, spec.max_length)
    assert (languages["fr"].model, languages["fr"].max_length) == ("fr_core_news_md", 5000)
    assert set(languages) == {"en", "fr", "vi", "de"}


def test_the_record_is_json_with_credentials_hidden() -> None:
    storage = {"s3": {"endpoint_url": "http://minio:9000", "key": "AKIA", "secret": "s3cr3t", "client_kwargs": {"aws_session_token": "t"}, "anon": False}}
    recorded = configuration.load(None, {"cluster": {"storage_options": storage}, "align": {"pairs": ["fr-vi"]}}).recorded()
    assert json.loads(json.dumps(recorded)) == recorded
    assert recorded["cluster"]["storage_options"] == {
        "s3": {
            "endpoint_url": "http://minio:9000",
            "key": "<redacted>",
            "secret": "<redacted>",
            "client_kwargs": {"aws_session_token": "<redacted>"},
            "anon": False,
        }
    }
    assert recorded["align"]["pairs"] == ["fr-vi"] and recorded["entities"]["dollar"] == "USD"
    assert recorded["languages"]["fr"] == {"model": "fr_core_news_md", "user_dict": None, "max_length": 100000}
    assert recorded["tasks"] == ["tokenize", "entities", "align"] and recorded["run"] == {"batch_size": 64, "retries": 2, "hard_wrapped": False}
    assert "tokenize" not in recorded, "a task without options has no section"


def test_a_config_survives_pickling_with_its_task_options() -> None:
    config = configuration.load(None, {"entities": {"dollar": "CAD"}})
    restored = pickle.loads(pickle.dumps(config))
    assert restored == config and restored.task_options("entities").dollar == "CAD" and restored.hash() == config.hash()


def test_an_unknown_task_has_no_options() -> None:
    with pytest.raises(UnknownTask, match="unknown task 'parse'"):
        configuration.load().task_options("parse")


SLURM_MINIMAL = {"type": "slurm", "n_workers": 16, "slurm": {"account": "a", "walltime": "1-00:00:00"}}
