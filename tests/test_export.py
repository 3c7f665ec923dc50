"""`polycorpus export`: aligned sentence pairs from OUT's tables as tsv, moses and tmx."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from corpus.schemas import to_table
from corpus.storage import Location
from views.export import ExportError, export_pairs

FR = ["Bonjour.", "Il pleut\taujourd'hui.", "Demain aussi.", "Fin & suite <ici>."]
VI = ["Xin chào.", "Hôm nay trời mưa.", "Ngày mai cũng vậy.", "Hết."]


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    """An OUT folder with the sentences of one fr and one vi document and their alignment."""
    location = Location(str(tmp_path))
    sentences = [
        {"doc_id": doc, "lang": lang, "sent_idx": i, "start": 0, "end": len(text), "text": text}
        for doc, lang, texts in (("d-fr", "fr", FR), ("d-vi", "vi", VI))
        for i, text in enumerate(texts)
    ]
    location.write_table("sentences", to_table("sentences", sentences), "sentences", "part-00000.parquet")
    beads = [((0,), (0,), 0.9), ((1,), (1,), 0.8), ((2,), (), 0.1), ((), (2,), 0.1), ((3,), (3,), 0.2)]
    rows = [
        {
            "group_id": "g",
            "src_doc_id": "d-fr",
            "tgt_doc_id": "d-vi",
            "src_lang": "fr",
            "tgt_lang": "vi",
            "src_sents": list(s),
            "tgt_sents": list(t),
            "score": score,
            "method": "test",
        }
        for s, t, score in beads
    ]
    location.write_table("alignments", to_table("alignments", rows), "alignments", "part-00000.parquet")
    return tmp_path


def test_tsv_skips_null_beads_and_flattens_tabs(out: Path, tmp_path: Path) -> None:
    dest = tmp_path / "pairs.tsv"
    assert export_pairs(str(out), "fr-vi", "tsv", str(dest), None) == 3
    assert dest.read_text(encoding="utf-8").splitlines() == [
        "Bonjour.\tXin chào.",
        "Il pleut aujourd'hui.\tHôm nay trời mưa.",
        "Fin & suite <ici>.\tHết.",
    ]


def test_min_score_and_reversed_pair(out: Path, tmp_path: Path) -> None:
    dest = tmp_path / "pairs.tsv"
    assert export_pairs(str(out), "vi-fr", "tsv", str(dest), 0.5) == 2
    assert dest.read_text(encoding="utf-8").splitlines()[0] == "Xin chào.\tBonjour."


def test_moses_writes_line_parallel_files_from_a_prefix(out: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "corpus"
    assert export_pairs(str(out), "fr-vi", "moses", str(prefix), None) == 3
    fr = (tmp_path / "corpus.fr").read_text(encoding="utf-8").splitlines()
    vi = (tmp_path / "corpus.vi").read_text(encoding="utf-8").splitlines()
    assert fr[0] == "Bonjour." and vi[0] == "Xin chào." and len(fr) == len(vi) == 3


def test_tmx_is_valid_xml_with_languages_and_scores(out: Path, tmp_path: Path) -> None:
    dest = tmp_path / "pairs.tmx"
    assert export_pairs(str(out), "fr-vi", "tmx", str(dest), None) == 3
    root = ET.parse(dest).getroot()
    units = root.findall("./body/tu")
    assert len(units) == 3
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert [(tuv.get(lang), tuv.findtext("seg")) for tuv in units[2].findall("tuv")] == [("fr", "Fin & suite <ici>."), ("vi", "Hết.")]
    assert float(units[0].findtext("prop")) == pytest.approx(0.9)


def test_bad_arguments_and_missing_alignments_say_what_to_fix(out: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="L1-L2"):
        export_pairs(str(out), "fr", "tsv", str(tmp_path / "x"), None)
    with pytest.raises(ExportError, match="format"):
        export_pairs(str(out), "fr-vi", "csv", str(tmp_path / "x"), None)
    with pytest.raises(ExportError, match="align"):
        export_pairs(str(tmp_path / "empty"), "fr-vi", "tsv", str(tmp_path / "x"), None)
