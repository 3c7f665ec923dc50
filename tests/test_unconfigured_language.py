"""A language that `languages:` does not list works (blank pipeline, rule-based entities) and every tool says so once.

`run` is held in tests/test_retirement.py (a LocalCluster: the warning comes from this process, not
from the workers) and tests/test_bad_input.py (in-process).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.conftest import polycorpus

WARNING = "no pipeline configured for language {!r}: blank tokenizer, rule-based entities (add it under `languages:` in a --config file)"


@pytest.fixture
def config(tmp_path: Path) -> list[str]:
    """--config FILE whose English is a blank pipeline, whichever English models are installed."""
    path = tmp_path / "blank-en.yaml"
    path.write_text("languages: {en: {model: null}}\n", encoding="utf-8")
    return ["--config", str(path)]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "no pipeline configured" in r.getMessage()]


@pytest.mark.parametrize("tool", ["tokenize", "entities"])
def test_line_tools_warn_once(tool: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, config: list[str]) -> None:
    lines = tmp_path / "in.txt"
    lines.write_text("Guten Tag, Frau Schmidt.\nDie Firma zahlt 5 Euro.\n", encoding="utf-8")
    assert polycorpus(tool, "--lang", "de", "--input", lines, "--output", tmp_path / "out.txt", *config) == 0
    assert _warnings(caplog) == [WARNING.format("de")]
    assert len((tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()) == 2


def test_configured_language_gives_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture, config: list[str]) -> None:
    lines = tmp_path / "in.txt"
    lines.write_text("The company said so.\n", encoding="utf-8")
    assert polycorpus("tokenize", "--lang", "en", "--input", lines, "--output", tmp_path / "out.txt", *config) == 0
    assert _warnings(caplog) == []


def test_align_files_warns_once_per_unconfigured_language(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, config: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.de").write_text("Eins.\nZwei.\n", encoding="utf-8")
    Path("a.fr").write_text("Un.\nDeux.\n", encoding="utf-8")
    Path("pairs.tsv").write_text("a.de\ta.fr\ta.beads\n", encoding="utf-8")
    assert polycorpus("align-files", "--pairs", "pairs.tsv", "--src-lang", "de", "--tgt-lang", "fr", *config) == 0
    assert _warnings(caplog) == [WARNING.format("de")]
    assert Path("a.beads").read_text(encoding="utf-8").splitlines()
