"""The progress line: shards and documents counted once per shard, an ETA weighted by documents, plain lines off a terminal."""

from __future__ import annotations

import re

import pytest

from cluster.progress import Progress


def test_documents_count_once_per_shard_and_weight_the_eta(capsys: pytest.CaptureFixture) -> None:
    # shard b holds 3x the documents of a; both have a tokenize job and an align job
    progress = Progress(["a", "b", "a", "b"], {"a": 100, "b": 300})
    progress.advance("a")
    line = progress.line()
    assert "shards 1/4" in line and "docs 100/400" in line and "failed 0" in line
    assert re.search(r"\b12%", line), "a's first job is 100 of 800 weighted documents (12.5%)"
    progress.advance("b", failed=True)
    progress.advance("a")
    line = progress.line()
    assert "shards 3/4" in line and "docs 400/400" in line and "failed 1" in line and "62%" in line
    progress.advance("b")
    progress.close()
    assert "100% shards 4/4" in progress.line() and "eta 0m00s" in progress.line()
    printed = capsys.readouterr().err.strip().splitlines()
    assert printed and printed[-1].startswith("[########################] 100%"), "off a terminal the last state is always printed"


def test_without_document_counts_jobs_weigh_the_same() -> None:
    progress = Progress(["a", "b"])
    progress.advance("b")
    assert "50%" in progress.line() and "docs 0/0" in progress.line()
