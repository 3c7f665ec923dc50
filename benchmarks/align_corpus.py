"""Alignment at corpus scale: `run --tasks tokenize,entities,align` over TED-like documents at 1x and 8x, seconds per phase and memory.

The corpus: every talk of EVAL/align/ted-en-vi and every pseudo-document of EVAL/align/ted-fr-vi as a
group of two documents (one segment per line, as the files hold them), copied `scale` times under new
group and document ids; cut into shards of the same size at every scale (4 shards at 1x). Each run is
`cluster.runner.run` on a LocalCluster of 2 single-threaded worker processes, in a fresh process, and
reports the run record's seconds per phase (annotate, lexicon, align), the lexicon's entries, the
client's peak RSS over the whole run and during the lexicon phase, and the workers' peak RSS.
Repeated --runs times, scales interleaved, medians reported. The machine is shared: expect noise in
seconds; the ratios within one run (lexicon + align vs annotate) are steadier. Usage:

    PYTHONPATH=. .venv/bin/python benchmarks/align_corpus.py --eval-dir ../shared/eval [--scales 1,8] [--runs 2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import statistics
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import psutil

from benchmarks.eval_data import require_eval_data
from benchmarks.scaling import in_fresh_process, write_corpus

REPO = Path(__file__).resolve().parent.parent
SETS = (("ted-en-vi", "en", "vi"), ("ted-fr-vi", "fr", "vi"))
TASKS = ["tokenize", "entities", "align"]
WORKERS = 2


def ted_documents(eval_dir: Path, scale: int) -> list[dict]:
    """The TED talks of EVAL as document groups (one per talk and copy), each file's lines as one document's text."""
    records = []
    for copy in range(scale):
        for folder, src_lang, tgt_lang in SETS:
            for src in sorted((eval_dir / "align" / folder).glob(f"*.{src_lang}")):
                group = f"{folder}-{src.stem}-{copy}"
                for lang in (src_lang, tgt_lang):
                    text = src.with_suffix(f".{lang}").read_text(encoding="utf-8")
                    records.append({"doc_id": f"{group}-{lang}", "group_id": group, "lang": lang, "title": group, "text": text})
    return records


class PhaseMemory(logging.Handler):
    """Peak RSS (MB) of the client and of the workers per run phase, the phase read from the `cluster.progress` log, sampled every 0.1 s."""

    def __init__(self, worker_pids: list[int]) -> None:
        super().__init__(logging.INFO)
        self.client = psutil.Process(os.getpid())
        self.workers = [psutil.Process(pid) for pid in worker_pids]
        self.phase = "start"
        self.client_peak: dict[str, float] = defaultdict(float)
        self.worker_peak: dict[str, float] = defaultdict(float)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        logger = logging.getLogger("cluster.progress")
        logger.setLevel(logging.INFO)
        logger.addHandler(self)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("phase ") and " started" in message:
            self.phase = message.split()[1]

    def _poll(self) -> None:
        while not self._done.wait(0.1):
            phase = self.phase
            with contextlib.suppress(psutil.Error):
                self.client_peak[phase] = max(self.client_peak[phase], self.client.memory_info().rss / 2**20)
            for worker in self.workers:
                with contextlib.suppress(psutil.Error):
                    self.worker_peak[phase] = max(self.worker_peak[phase], worker.memory_info().rss / 2**20)

    def stop(self) -> None:
        """Stop sampling and detach from the log."""
        self._done.set()
        self._thread.join()
        logging.getLogger("cluster.progress").removeHandler(self)


def one_run(docs: str, out: str) -> dict[str, Any]:
    """One `run` on a fresh LocalCluster (in the calling process, meant to be a fresh one): phases, lexicon entries, peak RSS."""
    import pyarrow.parquet as pq
    from distributed import Client

    from cluster import config as configuration
    from cluster.client import local_cluster
    from cluster.runner import run

    cluster = local_cluster(configuration.load(None, {"tasks": TASKS, "cluster": {"type": "local", "n_workers": WORKERS}}).cluster)
    try:
        with Client(cluster) as client:
            memory = PhaseMemory(list(client.run(os.getpid).values()))
            summary = run(docs, out, configuration.load(None, {"tasks": TASKS, "cluster": {"type": "address", "scheduler_address": cluster.scheduler_address}}))
            memory.stop()
    finally:
        with contextlib.suppress(TimeoutError):  # a loaded machine can be slow to stop workers; the numbers are taken
            cluster.close(timeout=120)
    if summary.failed:
        raise RuntimeError(f"shards failed: {summary.failed}")
    lexicon = pq.read_table(Path(out) / "lexicon" / "part-00000.parquet")
    return {
        "seconds": summary.seconds,
        "phases": summary.phases,
        "lexicon_entries": lexicon.num_rows,
        "client_peak_mb": max(memory.client_peak.values()),
        "client_peak_lexicon_mb": memory.client_peak.get("lexicon", 0.0),
        "worker_peak_mb": max(memory.worker_peak.values()),
        "worker_peak_lexicon_mb": memory.worker_peak.get("lexicon", 0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--scales", default="1,8")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--shards-at-1x", type=int, default=4)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed at the end)")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "align_corpus.json")
    args = parser.parse_args()
    require_eval_data(args.eval_dir, *(f"align/{folder}" for folder, _, _ in SETS))
    scales = [int(s) for s in args.scales.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="polycorpus-align-corpus-"))
    work.mkdir(parents=True, exist_ok=True)

    base = ted_documents(args.eval_dir, 1)
    shard_mb = sum(len(r["text"].encode()) for r in base) / 1e6 / args.shards_at_1x
    corpora = {}
    for scale in scales:
        records = ted_documents(args.eval_dir, scale)
        megabytes = sum(len(r["text"].encode()) for r in records) / 1e6
        docs = write_corpus(records, work / f"x{scale}", max(1, round(megabytes / shard_mb)))
        corpora[scale] = {"docs": docs, "documents": len(records), "megabytes": round(megabytes, 3), "shards": len(list(docs.glob("part-*.parquet")))}
        print(f"{scale}x: {len(records)} documents, {megabytes:.2f} MB, {corpora[scale]['shards']} shards", flush=True)

    results: dict[int, list[dict]] = defaultdict(list)
    for attempt in range(args.runs):
        for scale in scales:
            out = work / f"out-{scale}"
            shutil.rmtree(out, ignore_errors=True)
            result = in_fresh_process(one_run, str(corpora[scale]["docs"]), str(out))
            results[scale].append(result)
            phases = " ".join(f"{k} {v:.1f}s" for k, v in result["phases"].items())
            print(
                f"  run {attempt + 1} {scale}x: {phases}; client peak {result['client_peak_mb']:.0f} MB, workers {result['worker_peak_mb']:.0f} MB", flush=True
            )

    summary = {}
    for scale in scales:
        runs = results[scale]
        phases = {name: statistics.median(r["phases"].get(name, 0.0) for r in runs) for name in ("annotate", "lexicon", "align")}
        aligned = phases["lexicon"] + phases["align"]
        summary[scale] = {
            **{k: v for k, v in corpora[scale].items() if k != "docs"},
            "phases": {k: round(v, 2) for k, v in phases.items()},
            "lexicon_plus_align_vs_annotate": round(aligned / phases["annotate"], 3) if phases["annotate"] else None,
            "align_documents_per_core_hour": round(corpora[scale]["documents"] / (aligned * WORKERS) * 3600) if aligned else None,
            "lexicon_entries": runs[0]["lexicon_entries"],
            "client_peak_mb": round(max(r["client_peak_mb"] for r in runs), 1),
            "client_peak_lexicon_mb": round(max(r["client_peak_lexicon_mb"] for r in runs), 1),
            "worker_peak_mb": round(max(r["worker_peak_mb"] for r in runs), 1),
        }
    print(
        f"\n{'scale':>5} {'docs':>6} {'MB':>6} {'shards':>6} {'annotate s':>10} {'lexicon s':>9} {'align s':>7} {'(lex+al)/ann':>12} {'entries':>8} {'client MB':>9} {'lexicon MB':>10} {'worker MB':>9}"
    )
    for scale, row in summary.items():
        p = row["phases"]
        print(
            f"{scale:>4}x {row['documents']:>6} {row['megabytes']:>6.2f} {row['shards']:>6} {p['annotate']:>10.1f} {p['lexicon']:>9.1f} {p['align']:>7.1f}"
            f" {row['lexicon_plus_align_vs_annotate']:>12.2f} {row['lexicon_entries']:>8} {row['client_peak_mb']:>9.0f} {row['client_peak_lexicon_mb']:>10.0f} {row['worker_peak_mb']:>9.0f}"
        )
    growth = {}
    if len(scales) > 1:
        low, high = summary[scales[0]], summary[scales[-1]]
        factor = high["documents"] / low["documents"]
        growth = {
            "documents": factor,
            **{f"{name}_seconds": round(high["phases"][name] / low["phases"][name], 2) for name in ("annotate", "lexicon", "align") if low["phases"][name]},
            "client_peak_lexicon_mb": round(high["client_peak_lexicon_mb"] / low["client_peak_lexicon_mb"], 2) if low["client_peak_lexicon_mb"] else None,
        }
        print(f"\n{scales[-1]}x vs {scales[0]}x ({factor:.0f}x the documents): " + ", ".join(f"{k} x{v}" for k, v in growth.items() if k != "documents"))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {"workers": WORKERS, "runs": args.runs, "load_average_at_end": os.getloadavg(), "scales": summary, "growth": growth, "raw": results}, indent=2
        )
        + "\n"
    )
    print(f"wrote {args.json}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
