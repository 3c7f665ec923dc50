"""The progress line: one phase at a time, each with its own counts and ETA; shards counted once per phase, documents weight the ETA."""

from __future__ import annotations

import logging
import re

import pytest

from cluster.progress import Progress


def test_each_phase_counts_its_own_shards_and_documents(capsys: pytest.CaptureFixture) -> None:
    progress = Progress({"a": 100, "b": 300})
    progress.phase("annotate", ["a", "b"])
    progress.advance("a")
    line = progress.line()
    assert line.startswith("annotate [") and "shards 1/2" in line and "docs 100/400" in line and "failed 0" in line
    assert re.search(r"\b25%", line), "a is 100 of 400 documents"
    progress.advance("b", failed=True)
    assert "100% shards 2/2" in progress.line() and "failed 1" in progress.line() and "eta 0m00s" in progress.line()
    progress.phase("align", ["a", "b"])
    assert progress.line().startswith("align [") and "shards 0/2 docs 0/400" in progress.line(), "a new phase counts from zero"
    progress.advance("b")
    assert "shards 1/2" in progress.line() and "75%" in progress.line()
    progress.advance("a")
    progress.close()
    assert list(progress.seconds) == ["annotate", "align"]
    printed = capsys.readouterr().err.strip().splitlines()
    assert [p.split(" [")[0] for p in printed if "100%" in p] == ["annotate", "align"], "off a terminal each phase's last state is printed"


def test_a_corpus_step_phase_shows_its_stage(capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture) -> None:
    progress = Progress({"a": 10})
    progress.phase("lexicon")
    progress.step("first pass", 0, 6)
    assert progress.line().startswith("lexicon [") and "first pass" in progress.line() and "eta ?" in progress.line()
    progress.step("EM iteration 2 of 5", 2, 6)
    line = progress.line()
    assert "EM iteration 2 of 5" in line and "33%" in line and "shards" not in line
    progress.step("done", 6, 6)
    progress.close()
    assert "lexicon" in progress.seconds
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("lexicon [########################] 100%")


def test_phase_start_and_end_go_to_the_progress_log() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Keep()
    logging.getLogger("cluster.progress").addHandler(handler)
    logging.getLogger("cluster.progress").setLevel(logging.INFO)
    try:
        progress = Progress()
        progress.phase("annotate", ["a"])
        progress.advance("a")
        progress.close()
    finally:
        logging.getLogger("cluster.progress").removeHandler(handler)
    assert records[0] == "phase annotate started: 1 shards" and records[-1].startswith("phase annotate took")
