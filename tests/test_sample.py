"""The bundled sample through every task: what the project was asked to find in it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.conftest import read_dir


def _entities(out: Path, lang: str) -> dict[tuple[str, str], dict]:
    return {(e["text"], e["label"]): e for e in read_dir(out / "entities").to_pylist() if e["lang"] == lang}


def test_people_companies_and_money_in_french_and_vietnamese(sample_full_run: Path) -> None:
    for lang, money in (("fr", "100 millions de dollars"), ("vi", "100 triệu USD")):
        found = _entities(sample_full_run, lang)
        for name, label in (("Lucas Beyer", "PERSON"), ("Mark Zuckerberg", "PERSON"), ("OpenAI", "ORG"), ("Meta", "ORG")):
            assert (name, label) in found, f"{lang}: {name} {label} missing"
        amount = found[(money, "MONEY")]
        assert (amount["amount"], amount["currency"]) == (Decimal("100000000"), "USD")


def test_each_entity_is_linked_across_the_two_documents(sample_full_run: Path) -> None:
    entities = {(e["doc_id"], e["ent_idx"]): e for e in read_dir(sample_full_run / "entities").to_pylist()}
    clusters: dict[str, set[tuple[str, str]]] = {}
    for link in read_dir(sample_full_run / "entity_links").to_pylist():
        ent = entities[(link["doc_id"], link["ent_idx"])]
        clusters.setdefault(link["link_id"], set()).add((ent["lang"], ent["text"]))
    for fr_text, vi_text in (
        ("Lucas Beyer", "Lucas Beyer"),
        ("Mark Zuckerberg", "Mark Zuckerberg"),
        ("OpenAI", "OpenAI"),
        ("Meta", "Meta"),
        ("100 millions de dollars", "100 triệu USD"),
    ):
        assert any({("fr", fr_text), ("vi", vi_text)} <= members for members in clusters.values()), fr_text


def test_french_and_vietnamese_align_one_to_one(sample_full_run: Path) -> None:
    beads = [b for b in read_dir(sample_full_run / "alignments").to_pylist() if (b["src_lang"], b["tgt_lang"]) == ("fr", "vi")]
    assert [(b["src_sents"], b["tgt_sents"]) for b in beads] == [([i], [i]) for i in range(12)]
    assert all(b["method"] and 0 <= b["score"] <= 1 for b in beads)


def test_lexicon_is_saved_for_reuse(sample_full_run: Path) -> None:
    lexicon = read_dir(sample_full_run / "lexicon")
    assert {"fr-vi"} <= {f"{a}-{b}" for a, b in zip(lexicon.column("src_lang").to_pylist(), lexicon.column("tgt_lang").to_pylist())}
