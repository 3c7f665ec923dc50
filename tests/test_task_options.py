"""The `entities:` and `align:` config sections: documented defaults equal to the tasks' own, unknown keys named."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cluster import config as configuration
from cluster.config import ConfigError
from cluster.runner import task_options
from tasks.align.aligner import AlignOptions
from tasks.entities.extract import EntityOptions


@pytest.mark.parametrize(("section", "cls"), [("entities", EntityOptions), ("align", AlignOptions)])
def test_shipped_defaults_are_the_tasks_defaults(section: str, cls: type) -> None:
    config = configuration.load()
    assert set(config[section]) == {f.name for f in dataclasses.fields(cls)}
    assert task_options(config, section) == cls()


def test_a_config_file_reaches_the_task_options(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("align:\n  pairs: [fr-vi]\n  em_iterations: 2\nentities:\n  dollar: CAD\n", encoding="utf-8")
    config = configuration.load(str(path))
    assert task_options(config, "align") == AlignOptions(pairs=["fr-vi"], em_iterations=2)
    assert task_options(config, "entities").dollar == "CAD"


@pytest.mark.parametrize(("text", "named"), [("align:\n  em_iteration: 2\n", "align.em_iteration"), ("entities:\n  gazeteer: x\n", "entities.gazeteer")])
def test_unknown_task_keys_are_named(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"unknown config key '{named}'"):
        configuration.load(str(path))


def test_a_wrong_type_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("align:\n  em_iterations: many\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="align.em_iterations"):
        configuration.load(str(path))
