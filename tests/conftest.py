"""Shared fixtures: the bundled sample, small generated corpora, and the CLI called in-process."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cluster.cli import main
from tasks.entities import money

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "superstar-coders.jsonl"

_WORDS = {
    "en": ["the", "company", "said", "on", "Monday", "that", "its", "new", "model", "beats", "every", "rival", "in", "tests", "and", "costs", "less"],
    "fr": ["la", "société", "a", "annoncé", "lundi", "que", "son", "nouveau", "modèle", "dépasse", "ses", "rivaux", "et", "coûte", "moins", "cher"],
    "vi": ["công", "ty", "cho", "biết", "hôm", "thứ", "hai", "rằng", "mô", "hình", "mới", "của", "họ", "vượt", "qua", "các", "đối", "thủ", "và", "rẻ", "hơn"],
}


def polycorpus(*args: str) -> int:
    """Run the CLI in this process and return its exit status."""
    return main([str(a) for a in args])


def read_dir(folder: Path) -> pa.Table:
    """All part files of one table folder, concatenated in file-name order."""
    return pa.concat_tables([pq.read_table(p) for p in sorted(folder.glob("part-*.parquet"))])


def generated_jsonl(path: Path, groups: int, seed: int = 7) -> Path:
    """`groups` news-like groups, each with an en, fr and vi document of a few sentences."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for g in range(groups):
            for lang, words in _WORDS.items():
                sentences = []
                for _ in range(rng.randint(1, 4)):
                    body = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
                    sentences.append(body[0].upper() + body[1:] + f" {rng.randint(1, 999)}.")
                record = {"group_id": f"g{g}", "lang": lang, "title": f"t{g}", "text": " ".join(sentences)}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(autouse=True)
def _money_data_read_by_each_mutant() -> None:
    """Under mutmut (CONTRIBUTING, "Mutation testing"), each test reads the money data again.

    tasks.entities.money caches each language's data, and mutmut forks every mutant's tests from a
    process that has already read it: without this, a mutant of the code that reads the data would
    never run, and would survive whatever the tests check. Outside mutmut this does nothing.
    """
    if "MUTANT_UNDER_TEST" in os.environ:
        money._language.cache_clear()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample ingested and run (tokenize) in-process once for the session; returns OUT."""
    out = tmp_path_factory.mktemp("sample")
    assert polycorpus("ingest", SAMPLE, out) == 0
    assert polycorpus("run", out / "documents", out, "--tasks", "tokenize", "--cluster", "sync") == 0
    return out


@pytest.fixture(scope="session")
def sample_full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample through every task (tokenize, entities, align) with the embedded defaults; returns OUT."""
    out = tmp_path_factory.mktemp("sample-full")
    assert polycorpus("ingest", SAMPLE, out) == 0
    assert polycorpus("run", out / "documents", out, "--cluster", "sync") == 0
    return out
