"""README.md's examples run against the sample's output, so a README edit that breaks one fails here.

The fenced blocks of README.md are parsed, not copied into this file:
- ```bash blocks: every `polycorpus ...` line, alone or after `echo "TEXT" |`, is sorted by subcommand.
  Those in RUN_HERE run in-process, in a folder where `demo-out/` and `work/` (the README's names for
  an output of the sample run through every task) are copies of the `sample_full_run` fixture; optional
  `[...]` groups are dropped, and a `# text` line right after a command is its expected output.
  Synopsis lines (an upper-case placeholder such as OUT or DOCS) are not run, nor the subcommands in
  NOT_RUN. A subcommand in neither set fails the test, so a new kind of example is never silently skipped.
- ```sql blocks: every statement runs in DuckDB, in the same folder, and must return rows.
- ```python blocks: each is executed there; a `print(...)  # text` line must print `text`.
EXPECTED_SNIPPETS names what must be found among the blocks, so a removed example fails too.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from corpus.storage import Location
from tests.conftest import REPO, polycorpus
from views.stats import corpus_stats

README = REPO / "README.md"
OUTPUTS = ("demo-out", "work")
RUN_HERE = {"status", "stats", "report", "show", "export", "tokenize", "entities", "tasks"}
NOT_RUN = {
    "ingest": "the sample_full_run fixture ingests the sample itself; the other examples need files the repository does not have",
    "run": "the sample_full_run fixture runs the sample itself (in-process); the examples start Dask clusters",
    "align-files": "needs a PAIRS.tsv and sentence files the repository does not have",
}
EXPECTED_SNIPPETS = {
    "sql": ["read_parquet('demo-out/tokens/*.parquet')", "read_parquet('demo-out/sentences/*.parquet')"],
    "python": ['pd.read_parquet("demo-out/sentences")', '"@tokenizers": "polycorpus.vi_tokenizer.v1"'],
}
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
_PIPED = re.compile(r'^echo (?P<text>"[^"]*") \| (?P<command>polycorpus\s.*)$')
_PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*(\.\.\.|\.[a-z]+)?")
_PRINTS = re.compile(r"^print\(.*\)\s+#\s(?P<expected>.+)$", re.M)


@dataclass(frozen=True)
class Example:
    """One command line of README.md: where it is, its arguments after `polycorpus`, its stdin and expected stdout."""

    line: int
    argv: tuple[str, ...]
    stdin: str | None
    expected: str | None

    def __str__(self) -> str:
        return f"README.md:{self.line}: polycorpus {shlex.join(self.argv)}"


def readme_blocks(language: str) -> list[tuple[int, str]]:
    """(line number of the block's first line, text) of every fenced block of `language` in README.md."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(2)) + 1, m.group(2)) for m in _FENCE.finditer(text) if m.group(1) == language]


def _without_optional(tokens: list[str]) -> list[str]:
    """The tokens outside `[...]` groups (a group may span several tokens)."""
    kept, depth = [], 0
    for token in tokens:
        depth += token.count("[")
        if depth == 0:
            kept.append(token)
        depth -= token.count("]")
    return kept


def command_examples() -> tuple[list[Example], list[str]]:
    """The README's runnable examples of RUN_HERE subcommands, and the lines whose subcommand is in neither RUN_HERE nor NOT_RUN."""
    examples, unknown = [], []
    for start, block in readme_blocks("bash"):
        lines = block.splitlines()
        for offset, line in enumerate(lines):
            piped = _PIPED.match(line)
            command = piped["command"] if piped else line
            if not command.startswith("polycorpus "):
                continue
            argv = _without_optional(shlex.split(command, comments=True))[1:]
            if any(_PLACEHOLDER.fullmatch(arg) for arg in argv):
                continue
            if argv[0] not in RUN_HERE:
                if argv[0] not in NOT_RUN:
                    unknown.append(f"README.md:{start + offset}: {line}")
                continue
            following = lines[offset + 1] if offset + 1 < len(lines) else ""
            examples.append(
                Example(
                    line=start + offset,
                    argv=tuple(argv),
                    stdin=shlex.split(piped["text"])[0] + "\n" if piped else None,
                    expected=following[2:] if following.startswith("# ") else None,
                )
            )
    return examples, unknown


EXAMPLES, UNKNOWN = command_examples()


@pytest.fixture(scope="module")
def here(sample_full_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding `demo-out/` and `work/`, each a copy of the sample run through every task."""
    folder = tmp_path_factory.mktemp("readme")
    for name in OUTPUTS:
        shutil.copytree(sample_full_run, folder / name)
    return folder


def test_every_kind_of_example_is_found() -> None:
    assert not UNKNOWN, f"polycorpus examples of a subcommand this test neither runs nor skips (add it to RUN_HERE or NOT_RUN): {UNKNOWN}"
    assert {example.argv[0] for example in EXAMPLES} == RUN_HERE
    for language, needles in EXPECTED_SNIPPETS.items():
        blocks = [text for _, text in readme_blocks(language)]
        missing = [needle for needle in needles if not any(needle in text for text in blocks)]
        assert not missing, f"no ```{language} block of README.md has {missing}"


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_command_line_example(example: Example, here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(here)
    monkeypatch.setattr(sys, "stdin", io.StringIO(example.stdin or ""))
    capsys.readouterr()
    status = polycorpus(*example.argv)
    captured = capsys.readouterr()
    assert status == 0, f"{example} exited {status}: {captured.err}"
    if example.expected is not None:
        assert captured.out.strip() == example.expected
    if example.argv[0] == "entities":
        assert all(json.loads(line)["entities"] for line in captured.out.splitlines())
    if example.argv[0] == "export":
        fmt, dest = example.argv[example.argv.index("--format") + 1], example.argv[-1]
        pair = example.argv[example.argv.index("--pair") + 1].split("-")
        files = [f"{dest}.{lang}" for lang in pair] if fmt == "moses" else [dest]
        assert all((here / name).stat().st_size > 0 for name in files), f"{example} exported no sentence pair"


def test_stats_json_keys_are_the_readme_table(here: Path) -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("`stats --json` keys") :].split("\n\n")[1]
    documented = {re.match(r"\| `(\w+)", row)[1] for row in table.splitlines()[2:]}
    assert documented == set(corpus_stats(Location(str(here / "work"))))


@pytest.mark.parametrize(("line", "sql"), readme_blocks("sql"), ids=lambda value: f"README.md:{value}" if isinstance(value, int) else "sql")
def test_sql_example(line: int, sql: str, here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(here)
    statements = [s for s in sql.split(";") if any(row.strip() and not row.strip().startswith("--") for row in s.splitlines())]
    assert statements
    for statement in statements:
        assert duckdb.connect().sql(statement).fetchall(), f"README.md:{line}: no rows from {statement.strip()}"


@pytest.mark.parametrize(("line", "code"), readme_blocks("python"), ids=lambda value: f"README.md:{value}" if isinstance(value, int) else "python")
def test_python_example(line: int, code: str, here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(here)
    capsys.readouterr()
    exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out
    for expected in _PRINTS.findall(code):
        assert expected in printed
