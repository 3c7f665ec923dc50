"""`polycorpus report` and `stats --json`: counts equal DuckDB's over the Parquet tables, absent tables are said so, the page renders in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image

from corpus.records import write_run_record
from corpus.storage import Location
from tests.conftest import polycorpus
from tests.report_fixtures import SHARD, annotated_copy, fail_shard, replaced, rewrite_run, run_record, write_empty
from views.stats import distribution, shard_status

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def annotated(sample_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample run with fixture entities, entity_links, alignments and errors, and its report written."""
    out = annotated_copy(sample_run, tmp_path_factory.mktemp("report") / "out")
    assert polycorpus("report", out) == 0
    return out


class _Stats(HTMLParser):
    """The text of every element carrying `data-stat`, keyed by its stats path."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(dict(attrs).get("data-stat"))
        if self._open[-1]:
            self.found[self._open[-1]] = ""

    def handle_endtag(self, tag: str) -> None:
        self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1]:
            self.found[self._open[-1]] += data


def _html_stats(out: Path) -> dict[str, int]:
    parser = _Stats()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    return {key: int(text.replace(",", "")) for key, text in parser.found.items()}


def _stats_json(out: Path, capsys: pytest.CaptureFixture) -> dict[str, Any]:
    capsys.readouterr()
    assert polycorpus("stats", out, "--json") == 0
    return json.loads(capsys.readouterr().out)


def _lookup(stats: dict[str, Any], path: str) -> Any:
    for key in path.split("."):
        stats = stats[key]
    return stats


def _one(sql: str) -> int:
    return duckdb.sql(sql).fetchall()[0][0]


def _duckdb_counts(out: Path) -> dict[str, int]:
    """Every count the report shows, computed from the Parquet files with DuckDB alone, keyed like `data-stat`."""
    docs = run_record(out).docs
    counts: dict[str, int] = {}

    def table(name: str) -> str:
        return f"read_parquet('{out}/{name}/*.parquet')"

    counts.update(
        {f"languages.{lang}.documents": n for lang, n in duckdb.sql(f"SELECT lang, count(*) FROM read_parquet('{docs}/*.parquet') GROUP BY lang").fetchall()}
    )
    counts.update({f"languages.{lang}.sentences": n for lang, n in duckdb.sql(f"SELECT lang, count(*) FROM {table('sentences')} GROUP BY lang").fetchall()})
    counts.update(
        {f"languages.{lang}.tokens": int(n) for lang, n in duckdb.sql(f"SELECT lang, sum(len(tokens)) FROM {table('tokens')} GROUP BY lang").fetchall()}
    )
    for key in ("documents", "sentences", "tokens"):
        counts[f"totals.{key}"] = sum(n for k, n in counts.items() if k.startswith("languages.") and k.endswith(f".{key}"))
    counts["errors"] = _one(f"SELECT count(*) FROM {table('errors')}")
    if (out / "entities").exists():
        rows = duckdb.sql(f"SELECT lang, label, count(*) FROM {table('entities')} GROUP BY lang, label").fetchall()
        counts.update({f"entities.by_language.{lang}.{label}": n for lang, label, n in rows})
        counts["entities.total"] = _one(f"SELECT count(*) FROM {table('entities')}")
        for label, n in duckdb.sql(f"SELECT label, count(*) FROM {table('entities')} GROUP BY label").fetchall():
            counts[f"entities.labels.{label}"] = n
        for currency, n in duckdb.sql(f"SELECT coalesce(currency, 'none'), count(*) FROM {table('entities')} WHERE label = 'MONEY' GROUP BY 1").fetchall():
            counts[f"entities.money.{currency}.mentions"] = n
        links = (
            f"SELECT doc_id, ent_idx, link_id FROM {table('entity_links')}"
            if (out / "entity_links").exists()
            else "SELECT NULL AS doc_id, NULL AS ent_idx, NULL AS link_id"
        )
        sql = (
            f"SELECT coalesce(e.currency, 'none'), count(DISTINCT coalesce(l.link_id, e.doc_id || '#' || e.ent_idx)) FROM {table('entities')} e "
            f"LEFT JOIN ({links}) l USING (doc_id, ent_idx) WHERE e.label = 'MONEY' AND e.amount IS NOT NULL GROUP BY 1"
        )
        counts.update({f"entities.money.{currency}.amounts": n for currency, n in duckdb.sql(sql).fetchall()})
    if (out / "entity_links").exists():
        sql = f"SELECT count(*) FROM (SELECT link_id FROM {table('entity_links')} GROUP BY link_id HAVING count(DISTINCT lang) > 1)"
        counts["entity_links.cross_language"] = _one(sql)
    if (out / "alignments").exists():
        counts["alignments.beads"] = _one(f"SELECT count(*) FROM {table('alignments')}")
        sql = f"SELECT len(src_sents) || '-' || len(tgt_sents), count(*) FROM {table('alignments')} GROUP BY 1"
        counts.update({f"alignments.bead_types.{kind}": n for kind, n in duckdb.sql(sql).fetchall()})
    return counts


def test_html_and_stats_json_counts_equal_duckdb(annotated: Path, capsys: pytest.CaptureFixture) -> None:
    stats = _stats_json(annotated, capsys)
    shown = _html_stats(annotated)
    expected = _duckdb_counts(annotated)
    shown_zero_free = {k: v for k, v in shown.items() if v or k in expected}
    assert shown_zero_free == expected
    assert {key: _lookup(stats, key) for key in expected} == expected
    assert expected["entities.total"] == 13 and expected["alignments.beads"] == 23 and expected["errors"] == 3


def test_real_sample_counts_equal_duckdb(sample_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    shutil.copytree(sample_run, out)
    assert polycorpus("report", out) == 0
    stats = _stats_json(out, capsys)
    expected = _duckdb_counts(out)
    assert {key: _lookup(stats, key) for key in expected} == expected
    assert {k: v for k, v in _html_stats(out).items() if k in expected} == expected
    assert stats["totals"]["documents"] == 3 and stats["languages"]["fr"]["sentences"] == 12


def test_absent_and_empty_tables_are_said_so(sample_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    shutil.copytree(sample_run, out)
    for table in ("entities", "entity_links", "alignments"):
        shutil.rmtree(out / table, ignore_errors=True)
    assert polycorpus("report", out) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    for table, task in (("entities", "entities"), ("entity_links", "entities"), ("alignments", "align")):
        assert f"No <code>{table}</code> table in this output: it is written by <code>polycorpus run --tasks {task}</code>" in page
    stats = _stats_json(out, capsys)
    assert stats["entities"] is None and stats["entity_links"] is None and stats["alignments"] is None

    for table in ("entities", "entity_links", "alignments", "document_pairs"):
        write_empty(out, table)
    assert polycorpus("report", out) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "No <code>" not in page
    stats = _stats_json(out, capsys)
    assert stats["entities"]["total"] == 0 and stats["entity_links"]["clusters"] == 0 and stats["alignments"]["beads"] == 0
    assert _html_stats(out)["entities.total"] == 0


def test_entities_alignment_and_errors_sections(annotated: Path, capsys: pytest.CaptureFixture) -> None:
    stats = _stats_json(annotated, capsys)
    ents = stats["entities"]
    # the French and Vietnamese mentions of one 100 million are one linked cluster: one amount
    assert ents["money"]["USD"] == {"mentions": 2, "with_amount": 2, "amounts": 1, "total": "100000000", "largest": "100000000"}
    assert ents["money"]["none"] == {"mentions": 1, "with_amount": 0, "amounts": 0, "total": None, "largest": None}
    assert ents["top"]["fr"]["ORG"][0] == {"norm": "Meta", "count": 2}
    assert {p["norm"] for p in ents["top"]["vi"]["PERSON"]} == {"Lucas Beyer", "Mark Zuckerberg"}
    links = stats["entity_links"]
    assert links["clusters"] == links["cross_language"] == 5 and links["examples"][0]["names"] == {"fr": "Meta", "vi": "Meta"}
    align = stats["alignments"]
    assert align["bead_types"] == {"1-1": 13, "0-1": 9, "1-2": 1}
    assert align["pairs"]["en-fr"]["tgt_coverage"] == 0.25 and align["pairs"]["fr-vi"]["src_coverage"] == 1.0
    assert [w["pair"] for w in align["worst"]] == ["en-fr", "fr-vi"]
    assert sum(align["scores"]["counts"]) == align["scores"]["n"] == 14
    assert [(e["stage"], e["error_type"], e["count"]) for e in stats["error_types"]] == [("align", "LexiconError", 1), ("entities", "ValueError", 2)]
    page = (annotated / "report.html").read_text(encoding="utf-8")
    for text in ("100,000,000", "Lucas Beyer (1)", "superstar-coders-en", "empty lexicon", "fr_core_news_md", "25.0%"):
        assert text in page
    assert "200,000,000" not in page  # one amount said in French and Vietnamese is not summed twice


def test_distribution_summarises_counts() -> None:
    dist = distribution(Counter({1: 2, 2: 1, 10: 1}))
    assert (dist["n"], dist["min"], dist["median"], dist["p90"], dist["max"], dist["mean"]) == (4, 1, 1, 10, 10, 3.5)
    assert sum(dist["counts"]) == 4 and len(dist["edges"]) == len(dist["counts"]) + 1 == 11
    wide = distribution(Counter(dict.fromkeys(range(0, 1000, 7), 1)))
    assert len(wide["counts"]) == 30 and sum(wide["counts"]) == wide["n"]
    assert distribution(Counter())["n"] == 0


def _chromium() -> str:
    """The chromium binary; in CI (env CI set) its absence fails the test, elsewhere it skips with the reason."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        message = "headless Chromium is not installed: apt-get install -y chromium (CI installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


def test_report_renders_in_headless_chromium(annotated: Path, tmp_path: Path) -> None:
    binary = _chromium()
    url = (annotated / "report.html").as_uri()
    shot = tmp_path / "shot.png"

    def chromium(*args: str) -> subprocess.CompletedProcess:
        profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
        profile.mkdir()
        command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)

    chromium("--window-size=1200,3000", f"--screenshot={shot}")
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50
    assert max(n for n, _ in colours) < 0.95 * sum(n for n, _ in colours)

    dom = chromium("--dump-dom").stdout
    plots = dom.count("<svg") + dom.count("<img")
    # overview: 3 length distributions; entities: 1 label chart; alignment: bead types + scores; run: shard times
    assert plots == 7
    assert "Worst-aligned documents" in dom and "superstar-coders-fr" in dom


def test_corpus_rendering_imports_no_nlp_or_dask() -> None:
    code = "import sys, views.report, views.show; print(sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'dask', 'distributed', 'tasks'}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == "[]"


def test_failed_shards_are_listed(sample_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    shutil.copytree(sample_run, out)
    fail_shard(out, SHARD, "MemoryError: worker killed")
    status = shard_status(Location(str(out)))
    assert (status.done, status.pending, status.failed) == ([], [], {SHARD: "MemoryError: worker killed"})
    stats = _stats_json(out, capsys)
    assert stats["shards"] == {"done": 0, "failed": 1, "pending": 0}
    assert stats["failed_shards"] == {"part-00000.parquet": "MemoryError: worker killed"}
    assert stats["run"]["documents_per_second"] is None
    assert polycorpus("report", out) == 0
    assert "<code>part-00000.parquet</code>: MemoryError: worker killed" in (out / "report.html").read_text(encoding="utf-8")


def test_rates_are_per_run_on_wall_time(sample_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """documents/s is the run's documents over its wall seconds, not over the (here much smaller) summed worker seconds."""
    out = tmp_path / "out"
    shutil.copytree(sample_run, out)
    run = rewrite_run(out, seconds=0.5, phases={"shards": 0.4}, shard_seconds={SHARD: 0.05}, task_seconds={"annotate.fr": 0.03, "tokenize": 0.01})
    assert run.shards_done == [SHARD] and run.documents == 3
    stats = _stats_json(out, capsys)
    tokens = stats["totals"]["tokens"]
    assert stats["run"]["documents"] == 3 and stats["run"]["tokens"] == tokens > 0
    assert stats["run"]["documents_per_second"] == 3 / 0.5 == 6.0
    assert stats["run"]["tokens_per_second"] == round(tokens / 0.5, 3)
    assert stats["run"]["worker_seconds"] == 0.05 and stats["run"]["phases"] == {"shards": 0.4}
    assert polycorpus("report", out) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"6.0 documents/s, {round(tokens / 0.5, 3):,} tokens/s" in page and "per worker" not in page
    assert "throughput per run (wall time)" in page and "worker seconds, summed" in page
    assert "0.05 s over its shards: annotate.fr 0.03 s, tokenize 0.01 s" in page and "shards 0.4 s" in page


def test_a_noop_rerun_keeps_the_last_real_run(sample_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    shutil.copytree(sample_run, out)
    real = run_record(out)
    noop = replaced(real, run_id="99991231T235959Z-1", seconds=0.25, shards_done=[], shards_skipped=real.shards_done, documents=0)
    write_run_record(Location(str(out)), noop)
    stats = _stats_json(out, capsys)
    assert stats["run"]["run_id"] == real.run_id and stats["run"]["documents_per_second"] is not None
    assert [(r["run_id"], r["shards_done"], r["shards_skipped"], r["documents"]) for r in stats["runs"]] == [
        (real.run_id, 1, 0, 3),
        (noop.run_id, 0, 1, 0),
    ]
    assert polycorpus("report", out) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"{real.run_id}, started" in page and f"<code>{noop.run_id}</code>" in page
