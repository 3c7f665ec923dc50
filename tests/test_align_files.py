"""`align-files` work: sentence-per-line pairs in, vecalign beads out, one lexicon for all pairs."""

from __future__ import annotations

import json
from pathlib import Path

from tasks.align.aligner import Bead
from tasks.align.files import align_files, format_bead
from tasks.align.options import AlignOptions
from tests.conftest import SAMPLE
from tests.test_align import sample_sentences


def test_bead_format_is_vecalign() -> None:
    assert format_bead(Bead((0,), (0, 1), 0.5)) == "[0]:[0, 1]"
    assert format_bead(Bead((3,), (), 0.0)) == "[3]:[]"
    assert format_bead(Bead((), (7,), 0.0)) == "[]:[7]"


def test_align_files_writes_one_bead_per_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    fr, vi = sample_sentences("fr"), sample_sentences("vi")
    Path("a.fr").write_text("\n".join(fr) + "\n", encoding="utf-8")
    Path("a.vi").write_text("\n".join(vi) + "\n", encoding="utf-8")
    Path("b.fr").write_text("\n".join(fr[:6]) + "\n", encoding="utf-8")
    Path("b.vi").write_text("\n".join(vi[:3] + [vi[3] + " " + vi[4]] + vi[5:6]) + "\n", encoding="utf-8")
    Path("pairs.tsv").write_text("a.fr\ta.vi\ta.out\nb.fr\tb.vi\tb.out\n", encoding="utf-8")
    pairs = [tuple(line.split("\t")) for line in Path("pairs.tsv").read_text().splitlines()]
    align_files(pairs, "fr", "vi", AlignOptions())
    assert Path("a.out").read_text().splitlines() == [f"[{i}]:[{i}]" for i in range(12)]
    assert Path("b.out").read_text().splitlines() == ["[0]:[0]", "[1]:[1]", "[2]:[2]", "[3, 4]:[3]", "[5]:[4]"]


def test_split_sentences_aligns_running_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if doc["lang"] in ("fr", "vi"):
            Path(f"doc.{doc['lang']}").write_text(doc["text"], encoding="utf-8")
    align_files([("doc.fr", "doc.vi", "doc.out")], "fr", "vi", AlignOptions(), split_sentences=True)
    fr = Path("doc.out.fr").read_text(encoding="utf-8").splitlines()
    vi = Path("doc.out.vi").read_text(encoding="utf-8").splitlines()
    assert len(fr) == len(vi) == 12
    assert Path("doc.out").read_text().splitlines() == [f"[{i}]:[{i}]" for i in range(12)]
