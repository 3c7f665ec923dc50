"""Task option sections (`entities:`, `align:`): their defaults are only the options dataclasses', unknown keys and wrong types named."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cluster import config as configuration
from cluster.config import ConfigError
from tasks.align.options import AlignOptions
from tasks.base import NoOptions
from tasks.entities.types import EntityOptions
from tasks.registry import BUILTIN, get, options_class, options_owner, registered


def test_the_config_defaults_of_every_task_are_its_options_defaults() -> None:
    config = configuration.load()
    tasks = registered()
    assert tasks["entities"].options is EntityOptions and tasks["align"].options is AlignOptions
    for name, task in tasks.items():
        assert config.task_options(name) == task.options()
        if task.options_of is not None:  # a task that takes another's options has no section of its own
            assert name not in config.recorded() and config.task_options(name) is config.task_options(task.options_of)
        elif dataclasses.fields(task.options):
            assert config.recorded()[name] == dataclasses.asdict(task.options())


def test_the_registry_names_each_builtin_tasks_own_options() -> None:
    for name in BUILTIN:
        assert options_class(name) is get(name).options and options_owner(name) == get(name).options_of


def test_reading_a_config_imports_no_tasks_work() -> None:
    """A config is read from the task names and options alone: no task module, no spaCy, SciPy or Dask (seconds of start-up)."""
    heavy = (*(builtin.module for builtin in BUILTIN.values()), "scipy", "dask", "views.export", "corpus.ingest")
    code = f"import sys; from cluster import config; config.load(); print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_shipped_yaml_repeats_no_task_defaults() -> None:
    assert not set(configuration.defaults()) & set(registered()), "task options are written only in their dataclasses"


def test_a_task_without_options_has_no_options() -> None:
    assert configuration.load().task_options("tokenize") == NoOptions()


def test_link_pairs_takes_the_entities_options(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("entities:\n  project: false\n", encoding="utf-8")
    assert configuration.load(str(path)).task_options("link_pairs") == EntityOptions(project=False)
    path.write_text("link_pairs:\n  project: false\n", encoding="utf-8")
    with pytest.raises(configuration.ConfigError, match="link_pairs"):
        configuration.load(str(path))


def test_a_config_file_reaches_the_task_options(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("align:\n  pairs: [fr-vi]\n  em_iterations: 2\nentities:\n  dollar: CAD\n", encoding="utf-8")
    config = configuration.load(str(path))
    assert config.task_options("align") == AlignOptions(pairs=["fr-vi"], em_iterations=2)
    assert config.task_options("entities") == EntityOptions(dollar="CAD")


def test_flags_override_a_task_section_key_by_key(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"align": {"band": 10, "em_iterations": 2}}), encoding="utf-8")
    assert configuration.load(str(path), {"align": {"band": 30}}).task_options("align") == AlignOptions(band=30, em_iterations=2)


@pytest.mark.parametrize(("text", "named"), [("align:\n  em_iteration: 2\n", "align.em_iteration"), ("entities:\n  gazeteer: x\n", "entities.gazeteer")])
def test_unknown_task_keys_are_named(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"unknown config key '{named}'"):
        configuration.load(str(path))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("align:\n  em_iterations: many\n", "config key 'align.em_iterations'"),
        ("align:\n  pairs: fr-vi\n", "config key 'align.pairs'"),
        ("entities:\n  project: yes please\n", "config key 'entities.project'"),
        ("align: 3\n", "align must be a mapping"),
    ],
)
def test_a_wrong_type_is_named(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=named):
        configuration.load(str(path))
