"""MONEY totals of `stats` and the report: one amount per linked cluster, distinct amounts, the largest.

The tables are written by hand here (through the pinned schemas), so the expected totals follow from
the rows below and not from the entity code.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from corpus.schemas import to_table
from corpus.storage import Location
from views.stats import _money


def _mention(doc_id: str, idx: int, amount: str | None, currency: str | None, label: str = "MONEY") -> dict:
    return {
        "doc_id": doc_id,
        "group_id": doc_id.split("-")[0],
        "lang": doc_id.split("-")[1],
        "ent_idx": idx,
        "label": label,
        "start": 0,
        "end": 1,
        "text": "x",
        "norm": "x",
        "amount": Decimal(amount) if amount is not None else None,
        "currency": currency,
        "source": "rule",
        "score": None,
    }


def _link(link_id: str, doc_id: str, idx: int) -> dict:
    return {"group_id": doc_id.split("-")[0], "link_id": link_id, "doc_id": doc_id, "ent_idx": idx, "lang": doc_id.split("-")[1], "norm": "x"}


def test_a_linked_amount_counts_once_and_unlinked_ones_each(tmp_path: Path) -> None:
    out = Location(str(tmp_path))
    # shard 0: group g1 says 100 million in en, fr and vi (one cluster); en also says $5 twice, unlinked
    shard0 = [
        _mention("g1-en", 0, "100000000", "USD"),
        _mention("g1-en", 1, "5", "USD"),
        _mention("g1-en", 2, "5", "USD"),
        _mention("g1-fr", 0, "100000000", "USD"),
        _mention("g1-vi", 0, "100000000", "USD"),
        _mention("g1-vi", 1, None, None),
        _mention("g1-vi", 2, None, None, label="ORG"),
    ]
    links0 = [_link("usd100m", "g1-en", 0), _link("usd100m", "g1-fr", 0), _link("usd100m", "g1-vi", 0), _link("org", "g1-vi", 2)]
    # shard 1: group g2 repeats the same amount in two languages: another cluster, another fact
    shard1 = [_mention("g2-en", 0, "100000000", "USD"), _mention("g2-fr", 0, "100000000", "USD"), _mention("g2-fr", 1, "-2.5", "EUR")]
    links1 = [_link("usd100m-g2", "g2-en", 0), _link("usd100m-g2", "g2-fr", 0)]
    for name, ents, links in (("part-00000.parquet", shard0, links0), ("part-00001.parquet", shard1, links1)):
        out.write_table("entities", to_table("entities", ents), "entities", name)
        out.write_table("entity_links", to_table("entity_links", links), "entity_links", name)

    assert _money(out) == {
        "EUR": {"mentions": 1, "with_amount": 1, "amounts": 1, "total": "-2.5", "largest": "-2.5"},
        "USD": {"mentions": 7, "with_amount": 7, "amounts": 4, "total": "200000010", "largest": "100000000"},
        "none": {"mentions": 1, "with_amount": 0, "amounts": 0, "total": None, "largest": None},
    }


def test_without_links_every_mention_is_an_amount(tmp_path: Path) -> None:
    out = Location(str(tmp_path))
    ents = [_mention("g1-en", 0, "7", "GBP"), _mention("g1-fr", 0, "7", "GBP")]
    out.write_table("entities", to_table("entities", ents), "entities", "part-00000.parquet")
    assert _money(out) == {"GBP": {"mentions": 2, "with_amount": 2, "amounts": 2, "total": "14", "largest": "7"}}
