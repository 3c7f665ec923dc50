"""The in-process line tools: one output line per input line, offsets into the input line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import polycorpus

LINES = [
    "Des rumeurs disent que Mark Zuckerberg, PDG de Meta, proposerait 100 millions de dollars.",
    "",
    "Lucas Beyer a quitté OpenAI.",
]


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_tokenize_keeps_one_line_per_document(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    assert polycorpus("tokenize", "--lang", "fr", "--input", _write(tmp_path, LINES), "--output", out) == 0
    lines = out.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == 3 and lines[1] == ""
    assert lines[2] == "Lucas Beyer a quitté OpenAI ."


def test_entities_offsets_index_each_input_line(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert polycorpus("entities", "--lang", "fr", "--input", _write(tmp_path, LINES), "--output", out) == 0
    records = [json.loads(line)["entities"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 3 and records[1] == []
    for line, entities in zip(LINES, records):
        for e in entities:
            assert line[e["start"] : e["end"]] == e["text"]
    money = [e for e in records[0] if e["label"] == "MONEY"]
    assert [(m["amount"], m["currency"]) for m in money] == [("100000000", "USD")]
    assert {(e["text"], e["label"]) for e in records[2]} >= {("Lucas Beyer", "PERSON"), ("OpenAI", "ORG")}


def test_entities_of_a_line_longer_than_max_length_are_found_in_chunks(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("languages:\n  fr: {max_length: 60}\n", encoding="utf-8")
    line = " ".join(["Lucas Beyer a quitté OpenAI pour rejoindre Meta."] * 6)
    out = tmp_path / "out.jsonl"
    assert polycorpus("entities", "--lang", "fr", "--input", _write(tmp_path, [line]), "--output", out, "--config", config) == 0
    [entities] = [json.loads(x)["entities"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert all(line[e["start"] : e["end"]] == e["text"] for e in entities)
    assert max(e["start"] for e in entities) > 200
