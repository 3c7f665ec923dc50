"""The benchmarks' gold data check: a missing evaluation folder or file is named in one line and exits 2.

The gold data is not in this repository (README, "Benchmarks"): each harness takes its folder as
`--eval-dir` (`../shared/eval` beside the checkout by default) and, before any work, calls
`require_eval_data` with the paths it reads under it.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_BAD_INPUT = 2  # README, "Exit codes": bad input or usage


def require_eval_data(eval_dir: Path | str, *needed: str) -> Path:
    """`eval_dir` as a Path once it and every path in `needed` (relative to it, files or folders) exist.

    Otherwise prints one line to stderr naming the first missing path and what to pass instead, and
    exits with status 2 (SystemExit), so no harness reaches a FileNotFoundError or divides by an empty set.
    """
    root = Path(eval_dir)
    missing = [root] if not root.is_dir() else [root / rel for rel in needed if not (root / rel).exists()]
    if missing:
        what = "folder" if missing[0] == root else "file or folder"
        print(
            f"{Path(sys.argv[0]).name}: evaluation data {what} {missing[0]} not found; "
            f"pass --eval-dir with the folder that holds {', '.join(needed) or 'the gold data'} (default ../shared/eval)",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_BAD_INPUT)
    return root
