"""Hand-written entities, entity_links, alignments and errors tables over a copy of the sample run, and edited run records, for the report and show tests.

Tables are written through `Location.write_table` (so they obey the pinned schemas) and do not depend on
the entity or alignment code: the counts the tests expect follow from the rows below. Records are
edited through the models of corpus/records.py, validated again, so a renamed field fails here.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from corpus.records import RunRecord, read_manifest, read_run_record, write_manifest, write_run_record
from corpus.schemas import to_table
from corpus.storage import Location
from tests.conftest import read_dir

GROUP = "superstar-coders"
FR, VI, EN = f"{GROUP}-fr", f"{GROUP}-vi", f"{GROUP}-en"
SHARD = "part-00000.parquet"
Record = TypeVar("Record", bound=BaseModel)

# (doc_id, surface, label, norm, amount, currency, link_id): every occurrence of the surface is a mention.
MENTIONS = [
    (FR, "Lucas Beyer", "PERSON", "Lucas Beyer", None, None, "beyer"),
    (FR, "Mark Zuckerberg", "PERSON", "Mark Zuckerberg", None, None, "zuckerberg"),
    (FR, "OpenAI", "ORG", "OpenAI", None, None, "openai"),
    (FR, "Meta", "ORG", "Meta", None, None, "meta"),
    (FR, "100 millions de dollars", "MONEY", "100000000 USD", Decimal("100000000"), "USD", "usd-100m"),
    (VI, "Lucas Beyer", "PERSON", "Lucas Beyer", None, None, "beyer"),
    (VI, "Mark Zuckerberg", "PERSON", "Mark Zuckerberg", None, None, "zuckerberg"),
    (VI, "OpenAI", "ORG", "OpenAI", None, None, "openai"),
    (VI, "Meta", "ORG", "Meta", None, None, "meta"),
    (VI, "100 triệu USD", "MONEY", "100000000 USD", Decimal("100000000"), "USD", "usd-100m"),
    (VI, "9 con số", "MONEY", "9 con số", None, None, None),
]
# fr-vi: the sample's 12 French and 12 Vietnamese sentences are parallel one to one.
FR_VI = [([i], [i], 0.9) for i in range(12)]
# en-fr: a poor pair on purpose (the worst-aligned documents): a 1-1, a 1-2 and nine unscored 0-1 beads.
EN_FR = [([0], [0], 0.6), ([1], [1, 2], 0.2)] + [([], [i], None) for i in range(3, 12)]
ERRORS = [
    (FR, "entities", "ValueError", "bad span"),
    (VI, "entities", "ValueError", "bad span again"),
    (None, "align", "LexiconError", "empty lexicon"),
]


def annotated_copy(sample_run: Path, dest: Path) -> Path:
    """Copy the sample run to `dest` and replace its entities, entity_links, alignments and errors with the rows above."""
    shutil.copytree(sample_run, dest)
    for table in ("entities", "entity_links", "alignments", "errors", "report.html"):
        if (dest / table).exists():
            shutil.rmtree(dest / table) if (dest / table).is_dir() else (dest / table).unlink()
    texts = {row["doc_id"]: row["text"] for row in read_dir(sample_run / "documents").to_pylist()}
    entities, links = [], []
    for doc_id in (FR, VI):
        found = []
        for doc, surface, label, norm, amount, currency, link in MENTIONS:
            if doc == doc_id:
                found += [(m.start(), m.end(), surface, label, norm, amount, currency, link) for m in re.finditer(re.escape(surface), texts[doc_id])]
        for idx, (start, end, surface, label, norm, amount, currency, link) in enumerate(sorted(found)):
            lang = doc_id.rsplit("-", 1)[1]
            entities.append(
                {
                    "doc_id": doc_id,
                    "group_id": GROUP,
                    "lang": lang,
                    "ent_idx": idx,
                    "label": label,
                    "start": start,
                    "end": end,
                    "text": surface,
                    "norm": norm,
                    "amount": amount,
                    "currency": currency,
                    "source": "rule" if label == "MONEY" else "model",
                    "score": None,
                }
            )
            if link:
                links.append({"group_id": GROUP, "link_id": link, "doc_id": doc_id, "ent_idx": idx, "lang": lang, "norm": norm})
    beads = [_bead(FR, VI, "fr", "vi", *b) for b in FR_VI] + [_bead(EN, FR, "en", "fr", *b) for b in EN_FR]
    errors = [{"doc_id": d, "shard": SHARD, "stage": s, "error_type": t, "message": m} for d, s, t, m in ERRORS]
    out = Location(str(dest))
    for table, rows in (("entities", entities), ("entity_links", links), ("alignments", beads), ("errors", errors)):
        out.write_table(table, to_table(table, rows), table, SHARD)
    return dest


def _bead(src: str, tgt: str, src_lang: str, tgt_lang: str, src_sents: list[int], tgt_sents: list[int], score: float | None) -> dict:
    return {
        "group_id": GROUP,
        "src_doc_id": src,
        "tgt_doc_id": tgt,
        "src_lang": src_lang,
        "tgt_lang": tgt_lang,
        "src_sents": src_sents,
        "tgt_sents": tgt_sents,
        "score": score,
        "method": "fixture",
    }


def write_empty(out: Path, table: str) -> None:
    """An empty part file of `table`: the table exists but has no rows."""
    Location(str(out)).write_table(table, to_table(table, []), table, SHARD)


def replaced(record: Record, **changes: object) -> Record:
    """`record` with `changes`, validated again by its model: a field the model does not have raises."""
    return type(record).model_validate({**record.model_dump(), **changes})


def run_record(out: Path) -> RunRecord:
    """The run record of OUT (`_run.json`); the test fails when it has none."""
    record = read_run_record(Location(str(out)))
    assert record is not None, f"{out} has no run record"
    return record


def rewrite_run(out: Path, **changes: object) -> RunRecord:
    """Rewrite the latest run's record (`_run.json` and its copy under `_runs/`) with `changes`; return it."""
    record = replaced(run_record(out), **changes)
    write_run_record(Location(str(out)), record)
    return record


def fail_shard(out: Path, shard: str, message: str) -> None:
    """Make `shard` one the latest run gave up on: a failed manifest with `message`, and the run record saying so."""
    location = Location(str(out))
    manifest = read_manifest(location, shard)
    assert manifest is not None, f"{out} has no manifest for {shard}"
    write_manifest(location, replaced(manifest, status="failed", error=message, failed_tasks=manifest.tasks, tasks=[]))
    run = run_record(out)
    rewrite_run(
        out,
        shards_done=[s for s in run.shards_done if s != shard],
        shards_failed={**run.shards_failed, shard: message},
        documents=run.documents - (manifest.documents or 0),
    )
