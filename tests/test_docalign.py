"""docalign on a small corpus written for it: translations found across shards, the lone article and near duplicates kept apart."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pytest

from tasks.base import InProcess, ShardData
from tasks.docalign.anchors import normalise_number, text_anchors
from tasks.docalign.corpus import pair_documents, shard_anchors
from tasks.docalign.options import DocalignOptions
from tests.conftest import polycorpus, read_dir

# Three articles in English and French, one English article without a translation, and two near
# duplicates on one topic (the same storm, other places and figures), each with its translation.
ARTICLES = {
    "metro": (
        "The Hanoi metro line 3 opened on 2024-08-09 with 12 stations.\n"
        "Mayor Tran Sy Thanh said 35,000 passengers rode it on the first day.\n"
        "The line cost 1.2 billion euros, financed by France and the Asian Development Bank.",
        "La ligne 3 du métro de Hanoi a ouvert le 2024-08-09 avec 12 stations.\n"
        "Le maire Tran Sy Thanh a déclaré que 35 000 passagers l'ont prise le premier jour.\n"
        "La ligne a coûté 1,2 milliard d'euros, financés par la France et la Banque asiatique de développement.",
    ),
    "coders": (
        "Lena Okafor won the Nordic Code Cup in Oslo on 14/03/2025.\n"
        "She solved 9 of 11 problems in 187 minutes, ahead of Pavel Sorokin.\n"
        "The prize of 25,000 kroner was paid by Equinor, see https://codecup.example.org.",
        "Lena Okafor a remporté la Nordic Code Cup à Oslo le 14/03/2025.\n"
        "Elle a résolu 9 des 11 problèmes en 187 minutes, devant Pavel Sorokin.\n"
        "Le prix de 25 000 couronnes a été versé par Equinor, voir https://codecup.example.org.",
    ),
    "frogs": (
        "Researchers at Leiden University counted 4,812 frogs in 63 ponds of Zeeland.\n"
        "The survey led by Marieke de Vries ran from 2019 to 2023.\n"
        "Contact: frogs@leiden.example.nl for the data of all 63 ponds.",
        "Des chercheurs de Leiden University ont compté 4 812 grenouilles dans 63 mares de Zeeland.\n"
        "L'étude dirigée par Marieke de Vries a duré de 2019 à 2023.\n"
        "Contact : frogs@leiden.example.nl pour les données des 63 mares.",
    ),
    "storm-haiphong": (
        "Typhoon Yagi hit Haiphong on 07/09/2024 with winds of 149 km/h.\n"
        "Officials in Haiphong reported 21 deaths and 299 injured.\n"
        "Nguyen Van Tung said 1,450 homes lost their roofs.",
        "Le typhon Yagi a frappé Haiphong le 07/09/2024 avec des vents de 149 km/h.\n"
        "Les autorités de Haiphong ont fait état de 21 morts et 299 blessés.\n"
        "Nguyen Van Tung a déclaré que 1 450 maisons ont perdu leur toit.",
    ),
    "storm-quangninh": (
        "Typhoon Yagi hit Quang Ninh on 07/09/2024 with winds of 203 km/h.\n"
        "Officials in Quang Ninh reported 14 deaths and 350 injured.\n"
        "Cao Tuong Huy said 3,870 homes lost their roofs.",
        "Le typhon Yagi a frappé Quang Ninh le 07/09/2024 avec des vents de 203 km/h.\n"
        "Les autorités de Quang Ninh ont fait état de 14 morts et 350 blessés.\n"
        "Cao Tuong Huy a déclaré que 3 870 maisons ont perdu leur toit.",
    ),
}
LONE = (
    "lone",
    "The Tokyo Marathon drew 38,000 runners on 03/03/2024.\nBenson Kipruto won in 2:02:16, ahead of Timothy Kiplagat.",
)
PAIRS = {(f"{name}-en", f"{name}-fr") for name in ARTICLES}


def write_corpus(folder: Path, grouped: bool = False) -> Path:
    """The articles as JSONL, shuffled, ingested into shards of about two documents; returns DOCS.

    Without group ids by default; `grouped` gives each article its group_id (the reference docalign's pairs should match).
    """
    groups = {name: ({"group_id": name} if grouped else {}) for name in ARTICLES}
    records = [
        {"doc_id": f"{name}-{lang}", **groups[name], "lang": lang, "text": text} for name, texts in ARTICLES.items() for lang, text in zip(("en", "fr"), texts)
    ]
    records.append({"doc_id": "lone-en", "lang": "en", "text": LONE[1]})
    random.Random(3).shuffle(records)
    src, out = (folder / "grouped.jsonl", folder / "grouped") if grouped else (folder / "corpus.jsonl", folder / "in")
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert polycorpus("ingest", src, out, "--shard-size", "0.0005") == 0
    return out / "documents"


def found_pairs(out: Path) -> set[tuple[str, str]]:
    return {(r["src_doc_id"], r["tgt_doc_id"]) for r in read_dir(out / "document_pairs").to_pylist()}


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("docalign"))


def test_translations_found_lone_unpaired_near_duplicates_not_crossed(docs: Path, tmp_path: Path) -> None:
    assert len(list(docs.glob("*.parquet"))) >= 3
    assert polycorpus("run", docs, tmp_path / "out", "--tasks", "docalign", "--cluster", "sync") == 0
    table = read_dir(tmp_path / "out" / "document_pairs")
    assert found_pairs(tmp_path / "out") == PAIRS
    assert any(r["src_shard"] != r["tgt_shard"] for r in table.to_pylist())  # translations in different shards are found
    assert all(r["method"] and 0 < r["score"] <= 1 for r in table.to_pylist())
    assert table.schema.names[:6] == ["src_doc_id", "tgt_doc_id", "src_lang", "tgt_lang", "score", "method"]


def test_sync_and_local_cluster_give_the_same_pairs(docs: Path, tmp_path: Path) -> None:
    assert polycorpus("run", docs, tmp_path / "sync", "--tasks", "docalign", "--cluster", "sync") == 0
    assert polycorpus("run", docs, tmp_path / "local", "--tasks", "docalign", "--workers", "2") == 0
    assert read_dir(tmp_path / "sync" / "document_pairs").to_pylist() == read_dir(tmp_path / "local" / "document_pairs").to_pylist()


def test_align_aligns_the_found_pairs(docs: Path, tmp_path: Path) -> None:
    assert polycorpus("run", docs, tmp_path / "out", "--tasks", "docalign,align", "--cluster", "sync") == 0
    beads = read_dir(tmp_path / "out" / "alignments").to_pylist()
    assert {(b["src_doc_id"], b["tgt_doc_id"]) for b in beads} == PAIRS
    assert all(b["group_id"] is None for b in beads)
    metro = [(b["src_sents"], b["tgt_sents"]) for b in beads if b["src_doc_id"] == "metro-en"]
    assert metro == [([0], [0]), ([1], [1]), ([2], [2])]


def _shard(name: str, docs: list[tuple[str, str, str, str | None]], workspace: Path) -> ShardData:
    rows = [{"doc_id": d, "group_id": g, "lang": lang, "title": None, "text": t, "source": None, "meta": None} for d, lang, t, g in docs]
    return ShardData(name, rows, workspace=str(workspace))


def test_grouped_and_empty_documents_never_pair_and_one_language_is_a_note(tmp_path: Path) -> None:
    options = DocalignOptions(rescore=False)
    metro_en, metro_fr = ARTICLES["metro"]
    shard = _shard("a", [("en", "en", metro_en, None), ("fr", "fr", metro_fr, "g1"), ("empty", "fr", "  \n", None)], tmp_path)
    found = pair_documents(InProcess(), [shard_anchors(shard, options)], options)
    assert found.pairs.num_rows == 0
    assert found.meta["documents"] == {"en": 1} and "no other language" in found.meta["notes"][0]
    assert isinstance(found.pairs, pa.Table)


def test_anchors_survive_translation() -> None:
    assert [normalise_number(n) for n in ("1,000", "1.000,5", "3,5", "1 450", "12.345.678")] == ["1000", "1000.5", "3.5", "1450", "12345678"]
    en, fr = (text_anchors(t) for t in ARTICLES["coders"])
    assert {"name:Okafor", "date:2025-03-14", "num:25000", "num:187", "url:https://codecup.example.org"} <= en & fr
    assert "name:The" not in en and "name:She" not in en  # sentence openers are not names


def test_many_small_partitions_give_the_pairs_of_one_and_leave_no_intermediate_files(docs: Path, tmp_path: Path) -> None:
    whole, small = tmp_path / "whole.yaml", tmp_path / "small.yaml"
    whole.write_text("docalign: {buckets: 1}\n", encoding="utf-8")
    small.write_text("docalign: {bucket_postings: 5, partition_pairs: 3, assign_memory: 16MB}\n", encoding="utf-8")
    for name, config in (("whole", whole), ("small", small)):
        assert polycorpus("run", docs, tmp_path / name, "--tasks", "docalign", "--cluster", "sync", "--config", str(config)) == 0
        assert not (tmp_path / name / "_work").exists()
    assert read_dir(tmp_path / "small" / "document_pairs").to_pylist() == read_dir(tmp_path / "whole" / "document_pairs").to_pylist()
    assert read_dir(tmp_path / "small" / "document_pairs").num_rows == len(PAIRS)
