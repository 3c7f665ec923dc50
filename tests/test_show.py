"""`polycorpus show`: entities highlighted (brackets when piped, ANSI on request), aligned sentences side by side."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import polycorpus
from tests.report_fixtures import EN, FR, VI, annotated_copy
from views.show import _cells, wrap

FR_3 = "[3] Lucas Beyer, ancien chercheur"
VI_3 = "[3] Lucas Beyer, cựu nghiên cứu viên"


@pytest.fixture(scope="module")
def annotated(sample_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return annotated_copy(sample_run, tmp_path_factory.mktemp("show") / "out")


def _show(capsys: pytest.CaptureFixture, *args: str) -> str:
    capsys.readouterr()
    assert polycorpus("show", *args) == 0
    return capsys.readouterr().out


def test_french_and_vietnamese_side_by_side(annotated: Path, capsys: pytest.CaptureFixture) -> None:
    text = _show(capsys, annotated, FR, "--width", "140")
    assert "[Lucas Beyer|PERSON], ancien chercheur chez [OpenAI|ORG]" in text
    assert "[100 millions de dollars|MONEY]" in text and "\x1b[" not in text
    assert f"aligned with {VI} (vi): 12 beads by fixture, mean score 0.90" in text
    rows = [line for line in text.splitlines() if " | " in line]
    bead_3 = next(line for line in rows if FR_3 in line)
    left, right = bead_3.split(" | ")
    assert left.startswith("0.90") and right.startswith(VI_3)
    assert all(_cells(line) <= 140 for line in text.splitlines() if " | " in line)
    # the English document is aligned with the French one too: its own block, French still on the left
    assert f"aligned with {EN} (en): 11 beads" in text
    en_0 = next(line for line in rows if "Superstar coders" in line)
    assert en_0.startswith("0.60  [0] Les codeurs stars") and en_0.endswith(" | [0] Superstar coders are raking it in.")


def test_translation_side_is_oriented_to_the_shown_document(annotated: Path, capsys: pytest.CaptureFixture) -> None:
    text = _show(capsys, annotated, VI, "--width", "120")
    assert "[Lucas Beyer|PERSON], cựu nghiên cứu viên tại [OpenAI|ORG]" in text and "[100 triệu USD|MONEY]" in text
    bead_3 = next(line for line in text.splitlines() if VI_3[:20] in line)
    left, right = bead_3.split(" | ")
    assert VI_3[:20] in left and right.startswith(FR_3[:20])


def test_colour_highlights_and_missing_tables(annotated: Path, sample_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = _show(capsys, annotated, FR, "--color", "always")
    assert "\x1b[1;36mLucas Beyer\x1b[0m" in text and "|PERSON]" not in text
    plain = tmp_path / "plain"
    shutil.copytree(sample_run, plain)
    for table in ("entities", "alignments"):
        shutil.rmtree(plain / table, ignore_errors=True)
    text = _show(capsys, plain, FR)
    assert "no entities table" in text and "no alignments table" in text and "[Lucas Beyer|" not in text
    capsys.readouterr()
    assert polycorpus("show", plain, "no-such-doc") == 2
    assert "no document 'no-such-doc'" in capsys.readouterr().err


def test_wrap_counts_terminal_cells() -> None:
    assert wrap("một hai ba bốn năm", 8) == ["một hai", "ba bốn", "năm"]
    lines = wrap("東京都に本社を置く会社です", 10)
    assert all(_cells(line) <= 10 for line in lines) and "".join(lines) == "東京都に本社を置く会社です"
    assert _cells("東京") == 4 and _cells("e\u0301") == 1
    assert wrap("", 10) == [""]
