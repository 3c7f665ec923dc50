"""Scaling: tokenize+entities over >= 10,000 generated news-like documents (fr, vi, en; 1-3 KB each), four ways in one run.

Ways, each timed from a fresh process (model loading included, process and cluster start-up not):
  plain     one process calling tasks.shard.process_shard over the shards in a loop (no Dask)
  dask-1    `cluster.runner.run` on a LocalCluster of 1 single-threaded worker process
  dask-2    the same with 2 worker processes
  pipe-2    spaCy's nlp.pipe(n_process=2) over the same texts, per language (parses only: no rows, no files)
Repeated --runs times, interleaved, reporting medians and ratios to `plain`, and the CPU seconds each way
spent (workers, scheduler and client included), which a machine shared with other jobs distorts less than wall time. Then peak worker RSS on
1 Dask worker for the corpus cut into 4 and into 32 shards. Documents are built from sentences of the
bundled sample and of the texts in EVAL (alignment and NER sets), shuffled with a fixed seed. Usage:

    PYTHONPATH=. .venv/bin/python benchmarks/scaling.py --eval-dir ../shared/eval [--docs 10000] [--tasks tokenize,entities]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from benchmarks.eval_data import require_eval_data

REPO = Path(__file__).resolve().parent.parent
SAMPLES = [REPO / "examples" / "superstar-coders.jsonl", REPO.parent / "shared" / "samples" / "superstar-coders.jsonl"]
LANGS = ("fr", "vi", "en")
POOL_FILES = ("align", "ner/en/wikigold.conll.txt", "ner/fr/wikineural_fr_val_first2000.conllu", "ner/vi/news_dev.tsv", "money/dev.tsv")


def sentence_pools(eval_dir: Path) -> dict[str, list[str]]:
    """Sentences per language from the sample and the EVAL texts (alignment documents, NER sentences, money sentences)."""
    pools: dict[str, list[str]] = defaultdict(list)
    for path in {p.resolve() for p in SAMPLES if p.exists()}:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("lang") in LANGS:
                pools[record["lang"]] += [s.strip() + "." for s in record["text"].replace("\n", " ").split(". ") if s.strip()]
    for lang in LANGS:
        for path in sorted((eval_dir / "align").glob(f"*/*.{lang}")):
            pools[lang] += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 20]
    for lang, path in zip(("en", "fr"), POOL_FILES[1:3], strict=True):
        pools[lang] += _conll_sentences(eval_dir / path)
    for path in POOL_FILES[3:]:
        for line in (eval_dir / path).read_text(encoding="utf-8").splitlines()[1:]:
            lang, text = line.split("\t")[:2]
            if lang in LANGS:
                pools[lang].append(text)
    return {lang: pools[lang] for lang in LANGS}


def _conll_sentences(path: Path) -> list[str]:
    sentences, tokens = [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        fields = line.split()
        if not fields or line.startswith("-DOCSTART-"):
            if len(tokens) > 4:
                sentences.append(" ".join(tokens))
            tokens = []
        else:
            tokens.append(fields[1] if fields[0].isdigit() and len(fields) > 2 else fields[0])
    return sentences


def generate(pools: dict[str, list[str]], docs: int, seed: int) -> list[dict]:
    """`docs` documents, languages in turn, each sentences drawn from its language's pool until 1-3 KB of UTF-8."""
    rng = random.Random(seed)
    records = []
    for i in range(docs):
        lang = LANGS[i % len(LANGS)]
        target, text = rng.randint(1000, 3000), ""
        while len((text + " x").encode()) < target:
            sentence = rng.choice(pools[lang])
            if len((text + " " + sentence).encode()) > 3000:
                break
            text = f"{text} {sentence}".strip()
        records.append({"doc_id": f"{lang}-{i:06d}", "lang": lang, "title": f"doc {i}", "text": text, "source": "scaling"})
    return records


def write_corpus(records: list[dict], folder: Path, shards: int) -> Path:
    """Ingest `records` into about `shards` shards under `folder`; returns the documents folder."""
    from corpus.ingest import ingest

    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "corpus.jsonl"
    with src.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    megabytes = sum(len(r["text"].encode()) for r in records) / 1e6
    ingest([str(src)], str(folder / "in") + "/", shard_size_mb=megabytes / shards * 1.0001, overwrite=True)
    return folder / "in" / "documents"


def _config(tasks: list[str], cluster: dict[str, Any] | None = None) -> Any:
    from cluster import config as configuration

    return configuration.load(None, {"tasks": tasks, "cluster": cluster or {"type": "sync"}})


# --- the four ways; each runs in a fresh process and returns (wall seconds, peak RSS in MB of the busiest process, CPU seconds) ---


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _plain(docs: str, out: str, tasks: list[str]) -> tuple[float, float, float]:
    started, cpu = time.perf_counter(), _cpu()
    from cluster.runner import plain_jobs
    from cluster.shard_job import run_job

    for job in plain_jobs(docs, out, _config(tasks)):
        run_job(job)
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _cpu() - cpu


def _pipe(docs: str, out: str, tasks: list[str]) -> tuple[float, float, float]:
    started, cpu = time.perf_counter(), _cpu() + _cpu(resource.RUSAGE_CHILDREN)
    import pyarrow.parquet as pq

    from cluster.languages import language_specs
    from tasks.spacy.pipelines import get_nlp

    specs = dict(language_specs(_config(tasks)))
    by_lang: dict[str, list[str]] = defaultdict(list)
    for path in sorted(Path(docs).glob("part-*.parquet")):
        for row in pq.read_table(path, columns=["lang", "text"]).to_pylist():
            by_lang[row["lang"]].append(row["text"])
    disable = [] if "entities" in tasks else ["tok2vec", "ner"]
    for lang, texts in sorted(by_lang.items()):
        nlp = get_nlp(lang, specs[lang])
        for _ in nlp.pipe(texts, n_process=2, batch_size=64, disable=[d for d in disable if d in nlp.pipe_names]):
            pass
    peak = max(resource.getrusage(r).ru_maxrss for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return time.perf_counter() - started, peak / 1024, _cpu() + _cpu(resource.RUSAGE_CHILDREN) - cpu


def _dask(workers: int) -> Callable[[str, str, list[str]], tuple[float, float, float]]:
    def way(docs: str, out: str, tasks: list[str]) -> tuple[float, float, float]:
        from distributed import Client

        from cluster.client import local_cluster
        from cluster.runner import run

        with local_cluster(_config(tasks, {"type": "local", "n_workers": workers}).cluster) as cluster, Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
            sampler = RssSampler(pids)
            started, cpu = time.perf_counter(), _cpu()
            summary = run(docs, out, _config(tasks, {"type": "address", "scheduler_address": cluster.scheduler_address}))
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
            sampler.stop()
        if summary.failed:
            raise RuntimeError(f"shards failed: {summary.failed}")
        return seconds, sampler.peak_mb, cpu + sampler.cpu_seconds

    return way


class RssSampler:
    """Polls the resident set size of some processes every 0.2 s and keeps the largest seen; adds up their CPU time until stopped."""

    def __init__(self, pids: list[int]) -> None:
        self.processes = [psutil.Process(pid) for pid in pids]
        self.peak_mb = self.cpu_seconds = 0.0
        self._cpu_start = [self._cpu(p) for p in self.processes]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.wait(0.2):
            for process in self.processes:
                with contextlib.suppress(psutil.Error):
                    self.peak_mb = max(self.peak_mb, process.memory_info().rss / 2**20)

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        """Stop polling and take the CPU seconds the processes spent since the start."""
        self._done.set()
        self._thread.join()
        self.cpu_seconds = sum(self._cpu(p) - start for p, start in zip(self.processes, self._cpu_start))


def _child(way: Callable, args: tuple, queue: Any) -> None:
    try:
        queue.put(way(*args))
    except BaseException as exc:
        queue.put(exc)


def in_fresh_process(way: Callable, *args: Any) -> Any:
    """Run `way(*args)` in a new spawned process (cold caches, models loaded there) and return its result."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(way, args, queue))
    process.start()
    result = queue.get()
    process.join()
    if isinstance(result, BaseException):
        raise result
    return result


WAYS: dict[str, Callable] = {"plain": _plain, "dask-1": _dask(1), "dask-2": _dask(2), "pipe-2": _pipe}


def _run_way(name: str, docs: str, out: str, tasks: list[str]) -> tuple[float, float, float]:
    """Look the way up by name in the spawned process (closures do not pickle)."""
    return WAYS[name](docs, out, tasks)


def measure(name: str, docs: Path, work: Path, tasks: list[str]) -> tuple[float, float, float]:
    """One timed run of a way into a fresh output folder."""
    out = work / f"out-{name}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return in_fresh_process(_run_way, name, str(docs), str(out), tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shards", type=int, default=32, help="shards of the corpus timed four ways")
    parser.add_argument("--tasks", default="tokenize,entities")
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--rss-shards", default="4,32", help="shard counts for the peak-RSS comparison ('' to skip)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed at the end)")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "scaling.json")
    args = parser.parse_args()
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="polycorpus-scaling-"))
    work.mkdir(parents=True, exist_ok=True)

    require_eval_data(args.eval_dir, *POOL_FILES)
    records = generate(sentence_pools(args.eval_dir), args.docs, args.seed)
    sizes = [len(r["text"].encode()) for r in records]
    print(f"corpus: {len(records)} documents, {sum(sizes) / 1e6:.1f} MB, {min(sizes)}-{max(sizes)} bytes each, tasks {','.join(tasks)}")
    docs = write_corpus(records, work / f"shards-{args.shards}", args.shards)
    shards = len(list(docs.glob("part-*.parquet")))
    print(f"{shards} shards; {args.runs} runs of {', '.join(ways)}, interleaved")

    seconds: dict[str, list[float]] = defaultdict(list)
    rss: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for run in range(args.runs):
        for name in ways:
            elapsed, peak, cpu_seconds = measure(name, docs, work, tasks)
            seconds[name].append(elapsed)
            rss[name].append(peak)
            cpu[name].append(cpu_seconds)
            print(f"  run {run + 1} {name:<7} {elapsed:8.1f} s  CPU {cpu_seconds:8.1f} s  peak RSS {peak:6.0f} MB", flush=True)

    medians = {name: statistics.median(values) for name, values in seconds.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    base = medians.get("plain")
    print(f"\n{'way':<8}{'median s':>10}{'docs/s':>9}{'x plain':>9}{'CPU s':>9}{'CPU/plain':>11}{'peak RSS MB':>13}")
    for name in ways:
        ratio = base / medians[name] if base else float("nan")
        cpu_ratio = cpu_medians[name] / cpu_medians["plain"] if "plain" in cpu_medians else float("nan")
        print(
            f"{name:<8}{medians[name]:>10.1f}{len(records) / medians[name]:>9.1f}{ratio:>9.2f}{cpu_medians[name]:>9.1f}{cpu_ratio:>11.2f}{max(rss[name]):>13.0f}"
        )

    rss_by_shards = {}
    for count in [int(c) for c in args.rss_shards.split(",") if c.strip()]:
        folder = docs if count == args.shards else write_corpus(records, work / f"shards-{count}", count)
        elapsed, peak, _ = measure("dask-1", folder, work, tasks)
        rss_by_shards[count] = {"peak_worker_rss_mb": round(peak, 1), "seconds": round(elapsed, 2)}
        print(f"1 worker, {count:>3} shards: peak worker RSS {peak:6.0f} MB ({elapsed:.1f} s)")

    result = {
        "documents": len(records),
        "megabytes": round(sum(sizes) / 1e6, 3),
        "shards": shards,
        "tasks": tasks,
        "runs": args.runs,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "seconds": {k: [round(v, 3) for v in vals] for k, vals in seconds.items()},
        "median_seconds": {k: round(v, 3) for k, v in medians.items()},
        "docs_per_second": {k: round(len(records) / v, 2) for k, v in medians.items()},
        "ratio_to_plain": {k: round(base / v, 3) for k, v in medians.items()} if base else {},
        "cpu_seconds": {k: [round(v, 3) for v in vals] for k, vals in cpu.items()},
        "median_cpu_seconds": {k: round(v, 3) for k, v in cpu_medians.items()},
        "peak_rss_mb": {k: round(max(v), 1) for k, v in rss.items()},
        "peak_worker_rss_by_shards": rss_by_shards,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
