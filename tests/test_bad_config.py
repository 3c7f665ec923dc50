"""Bad configuration and bad command-line input fail before any work, with the key or file and line named, and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cluster import config as configuration
from cluster.config import ConfigError
from tests.conftest import SAMPLE, polycorpus


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("align:\n  band: 0\n", "'align.band': must be at least 1 (got 0)"),
        ("align:\n  em_iterations: -1\n", "'align.em_iterations': must be at least 0"),
        ("align:\n  max_bead: 9\n", "'align.max_bead': must be from 2 to 4"),
        ("align:\n  pairs: [fr-vi, bogus]\n", "'align.pairs': each entry is two different ISO 639-1 codes"),
        ("align:\n  dictionary: /nonexistent/dict.tsv\n", "'align.dictionary': cannot read /nonexistent/dict.tsv"),
        ("entities:\n  dollar: usd\n", "'entities.dollar': must be an ISO 4217 code"),
        ("entities:\n  gazetteer: /nonexistent/companies.tsv\n", "'entities.gazetteer': cannot read gazetteer /nonexistent/companies.tsv"),
        ("run:\n  retries: -1\n", "run.retries must be at least 0"),
        ("run:\n  batch_size: 0\n", "run.batch_size must be at least 1"),
        ("languages:\n  fr:\n    max_length: 0\n", "languages.fr.max_length must be at least 1"),
        ("languages:\n  vi:\n    user_dict: /nonexistent/words.txt\n", "languages.vi.user_dict: /nonexistent/words.txt is not a file"),
        ("tasks: []\n", "no tasks to run"),
    ],
)
def test_values_out_of_range_are_refused_at_load(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        configuration.load(str(path))
    assert named in str(caught.value)


def test_a_config_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"run:\n  retries: 1 # \xff\n")
    with pytest.raises(ConfigError, match="c.yaml is not UTF-8"):
        configuration.load(str(path))


def test_force_replaces_an_unreadable_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert polycorpus("ingest", SAMPLE, tmp_path) == 0
    run = ("run", tmp_path / "documents", tmp_path, "--tasks", "tokenize", "--cluster", "sync")
    assert polycorpus(*run) == 0
    manifest = tmp_path / "_manifest" / "part-00000.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "shard_name": "x"}))
    capsys.readouterr()
    assert polycorpus(*run) == 2
    assert "part-00000.json is not a polycorpus Manifest this version can read (shard_name: Extra inputs are not permitted)" in capsys.readouterr().err
    assert polycorpus(*run, "--force") == 0
    assert json.loads(manifest.read_text())["status"] == "done"


def test_docs_and_out_that_are_files_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert polycorpus("ingest", SAMPLE, tmp_path) == 0
    shard = tmp_path / "documents" / "part-00000.parquet"
    assert polycorpus("run", shard, tmp_path / "out", "--cluster", "sync") == 2
    assert "is a file; point run at the documents folder" in capsys.readouterr().err
    assert polycorpus("run", tmp_path / "nowhere", tmp_path / "out", "--cluster", "sync") == 2
    assert "is missing" in capsys.readouterr().err
    assert polycorpus("run", tmp_path / "documents", SAMPLE, "--cluster", "sync") == 2
    assert "is a file; give run a folder" in capsys.readouterr().err


def test_line_tools_name_the_bad_line_and_lang(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Bonjour.\n" + b"caf\xe9\n")
    assert polycorpus("tokenize", "--lang", "fr", "--input", bad) == 2
    assert f"{bad}:2: invalid UTF-8" in capsys.readouterr().err
    assert polycorpus("tokenize", "--lang", "VI", "--input", bad) == 2
    assert "--lang: 'VI' is not an ISO 639-1 code" in capsys.readouterr().err
    assert polycorpus("tokenize", "--lang", "fr", "--input", tmp_path) == 2
    assert "Is a directory" in capsys.readouterr().err


def test_align_files_never_overwrites_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.fr").write_text("Bonjour.\n", encoding="utf-8")
    Path("a.vi").write_text("Xin chào.\n", encoding="utf-8")
    Path("pairs.tsv").write_text("a.fr\ta.vi\ta.fr\n", encoding="utf-8")
    assert polycorpus("align-files", "--pairs", "pairs.tsv", "--src-lang", "fr", "--tgt-lang", "vi") == 2
    assert "pairs.tsv:1: out_file a.fr is an input file" in capsys.readouterr().err
    assert Path("a.fr").read_text(encoding="utf-8") == "Bonjour.\n"
    Path("pairs.tsv").write_text("\n", encoding="utf-8")
    assert polycorpus("align-files", "--pairs", "pairs.tsv", "--src-lang", "fr", "--tgt-lang", "vi") == 2
    assert "lists no file pairs" in capsys.readouterr().err
