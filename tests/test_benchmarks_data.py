"""Every benchmark names a missing evaluation data folder in one line and exits 2, before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# The harnesses that read gold data (benchmarks/ingest.py generates its corpus and takes none).
HARNESSES = sorted(p.name for p in (REPO / "benchmarks").glob("*.py") if p.name != "eval_data.py" and "require_eval_data" in p.read_text(encoding="utf-8"))


def test_each_benchmark_names_the_missing_eval_folder_and_exits_2(tmp_path: Path) -> None:
    assert len(HARNESSES) >= 6
    missing = tmp_path / "no-eval-here"
    runs = {
        name: subprocess.Popen(
            [sys.executable, str(REPO / "benchmarks" / name), "--eval-dir", str(missing), "--json", str(tmp_path / f"{name}.json")],
            cwd=REPO,
            env={"PYTHONPATH": str(REPO), "PATH": str(Path(sys.executable).parent)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in HARNESSES
    }
    for name, process in runs.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 2, f"{name} exited {process.returncode}: {err}"
        assert err.strip().splitlines() == [err.strip()] and f"evaluation data folder {missing} not found" in err, f"{name}: {err}"
        assert not (tmp_path / f"{name}.json").exists()


def test_a_missing_file_under_the_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "money").mkdir()
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "money_eval.py"), "--eval-dir", str(tmp_path)],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert f"{tmp_path / 'money' / 'dev.tsv'} not found" in result.stderr
