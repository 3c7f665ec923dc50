"""`export` and `align-files` run as the user runs them: a `polycorpus` process, its exit status, its files read back.

The expected lines are written out by hand from the fixture's sentences and beads (tests/test_export.py's
`out`: beads 0-0, 1-1, 2-none, none-2, 3-3), so a command that does nothing, or writes the wrong pairs, fails.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.test_export import out  # noqa: F401  (the fixture: an OUT with one fr-vi document pair)

PAIRS = [("Bonjour.", "Xin chào."), ("Il pleut aujourd'hui.", "Hôm nay trời mưa."), ("Fin & suite <ici>.", "Hết.")]


def polycorpus_process(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`polycorpus ARGS` in a new interpreter (the console script's `cluster.cli:main`)."""
    return subprocess.run([sys.executable, "-m", "cluster.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("fmt", ["tsv", "moses", "tmx"])
def test_export_writes_every_format_and_exits_0(fmt: str, out: Path, tmp_path: Path) -> None:  # noqa: F811
    dest = tmp_path / f"pairs.{fmt}"
    result = polycorpus_process("export", out, "--pair", "fr-vi", "--format", fmt, dest)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "exported 3 sentence pairs" in result.stderr
    if fmt == "tsv":
        assert dest.read_text(encoding="utf-8").splitlines() == [f"{fr}\t{vi}" for fr, vi in PAIRS]
    elif fmt == "moses":
        assert Path(f"{dest}.fr").read_text(encoding="utf-8").splitlines() == [fr for fr, _ in PAIRS]
        assert Path(f"{dest}.vi").read_text(encoding="utf-8").splitlines() == [vi for _, vi in PAIRS]
    else:
        units = ET.parse(dest).getroot().findall("./body/tu")
        xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
        assert [tuple(tuv.find("seg").text for tuv in tu.findall("tuv")) for tu in units] == PAIRS
        assert [[tuv.get(xml_lang) for tuv in tu.findall("tuv")] for tu in units] == [["fr", "vi"]] * 3
        assert [tu.find("prop").text for tu in units] == ["0.9000", "0.8000", "0.2000"]


def test_export_min_score_and_the_reversed_pair(out: Path, tmp_path: Path) -> None:  # noqa: F811
    result = polycorpus_process("export", out, "--pair", "vi-fr", "--format", "tsv", "--min-score", "0.5", tmp_path / "vi-fr.tsv")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "vi-fr.tsv").read_text(encoding="utf-8").splitlines() == [f"{vi}\t{fr}" for fr, vi in PAIRS[:2]]


def test_export_without_alignments_says_the_fix_in_one_line_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty-out").mkdir()
    result = polycorpus_process("export", tmp_path / "empty-out", "--pair", "fr-vi", "--format", "tsv", tmp_path / "x.tsv")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"polycorpus export: error: {tmp_path / 'empty-out'} has no alignments table: run the align task first (polycorpus run --tasks align)"
    ]
    assert not (tmp_path / "x.tsv").exists()


def test_align_files_writes_vecalign_beads(tmp_path: Path) -> None:
    (tmp_path / "a.fr").write_text("Le marché a ouvert à 9 heures.\nLes prix ont augmenté de 12 %.\nLa banque centrale reste prudente.\n", encoding="utf-8")
    (tmp_path / "a.vi").write_text("Thị trường mở cửa lúc 9 giờ.\nGiá đã tăng 12 %.\nNgân hàng trung ương vẫn thận trọng.\n", encoding="utf-8")
    (tmp_path / "b.fr").write_text("Il a plu 3 jours.\nPuis 5 jours de soleil.\n", encoding="utf-8")
    (tmp_path / "b.vi").write_text("Trời mưa 3 ngày, rồi 5 ngày nắng.\n", encoding="utf-8")
    (tmp_path / "pairs.tsv").write_text("a.fr\ta.vi\tout/a.beads\nb.fr\tb.vi\tout/b.beads\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    result = polycorpus_process("align-files", "--pairs", "pairs.tsv", "--src-lang", "fr", "--tgt-lang", "vi", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "a.beads").read_text().splitlines() == ["[0]:[0]", "[1]:[1]", "[2]:[2]"]
    assert (tmp_path / "out" / "b.beads").read_text().splitlines() == ["[0, 1]:[0]"]


def test_align_files_refuses_a_bad_pairs_line_naming_it_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "pairs.tsv").write_text("a.fr\ta.vi\ta.out\nonly-two\tfields\n", encoding="utf-8")
    result = polycorpus_process("align-files", "--pairs", "pairs.tsv", "--src-lang", "fr", "--tgt-lang", "vi", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["polycorpus align-files: error: pairs.tsv:2: expected src_file<TAB>tgt_file<TAB>out_file"]
