"""The command line explains itself: every command and option has a help line, and the exit codes are the README's."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

import pytest

from cluster.cli import EXIT_CODES, build_parser
from tests.conftest import REPO


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_top_level_help_says_what_polycorpus_is_and_lists_each_command_on_one_line() -> None:
    result = subprocess.run([sys.executable, "-m", "cluster.cli", "--help"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"}, cwd=REPO)
    assert result.returncode == 0
    assert " ".join(result.stdout.split("\n\n")[1].split()).startswith(
        "polycorpus turns a sharded Parquet corpus of multilingual news into analysis-ready Parquet tables"
    )
    commands = _subparsers(build_parser())
    listed = dict(re.findall(r"^    (\S+)\s+(\S.*)$", result.stdout, re.M))
    assert set(listed) == set(commands)
    assert all(len(line) <= 80 for line in result.stdout.splitlines()), "a line of the help wraps at 80 columns"
    assert "exit status: 0 ok; 1 some shards failed" in result.stdout


@pytest.mark.parametrize("name", sorted(_subparsers(build_parser())))
def test_every_option_and_argument_has_a_help_line(name: str) -> None:
    parser = _subparsers(build_parser())[name]
    assert parser.description and parser.epilog == EXIT_CODES
    undocumented = [a.dest for a in parser._actions if not a.help or a.help == argparse.SUPPRESS]
    assert not undocumented, f"polycorpus {name}: no help for {undocumented}"


def test_exit_codes_are_documented_once_in_the_readme_as_the_cli_states_them() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes") :].split("\n## ")[0].split("\n### ")[0]
    assert readme.count("### Exit codes") == 1
    for code, meaning in (("0", "ok"), ("1", "some shards failed"), ("2", "bad input or usage")):
        assert f"`{code}`" in section and meaning in section
        assert f"{code} {meaning}" in " ".join(EXIT_CODES.split())


def test_usage_errors_exit_2_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cluster.cli", "export", "OUT", "--pair", "fr-vi", "--format", "csv", "x"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 2
    assert "invalid choice: 'csv'" in result.stderr
