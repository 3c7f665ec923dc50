"""Numbers about a run's output, read from its run records (corpus/records.py) and its tables.

`corpus_stats` is the one source of every number: `polycorpus stats --json` prints it and the HTML
report draws it, so the two never disagree. Tables are read one part file at a time and folded into
counters, so memory grows with the number of distinct values, not with the corpus. A table that was
never written shows as `None`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus.records import RUN_FILE, Manifest, RunRecord, read_manifests, read_run_record, read_runs
from corpus.storage import Location

TOP_ENTITIES = 10  # names listed per language and label
TOP_LINKS = 15  # cross-language entity clusters listed
WORST_DOCUMENTS = 10  # worst-aligned document pairs listed
MAX_BINS = 30  # histogram bins of a distribution
MESSAGE_CHARS = 300  # an error message example is cut to this length
NO_CURRENCY = "none"  # the MONEY totals key of mentions without a currency


DOCALIGN_META = ("docalign", "_docalign.json")  # the docalign task's corpus-step meta (cluster/runner.py writes OUT/<table>/_<table>.json)


def iter_output_table(out: Location, table: str, columns: list[str] | None = None) -> Iterator[pa.Table]:
    """The part files of one output table, one at a time."""
    for name in out.list(table, suffix=".parquet"):
        yield out.read_table(table, name, columns=columns)


def has_table(out: Location, table: str) -> bool:
    """Whether any part file of `table` was written under OUT."""
    return bool(out.list(table, suffix=".parquet"))


def latest_run(out: Location) -> RunRecord:
    """The record of the latest run under OUT that did any work (`OUT/_run.json`).

    FileNotFoundError when OUT has none (not an output of `polycorpus run`); RecordError when it cannot be read.
    """
    run = read_run_record(out)
    if run is None:
        raise FileNotFoundError(f"{out.url} has no {RUN_FILE}: is it the OUT folder of `polycorpus run`?")
    return run


@dataclass(frozen=True)
class ShardStatus:
    """The shards of the latest run's documents folder, by the state of their manifests.

    `shards`, `done` and `pending` are shard file names (`part-00000.parquet`) in name order; `failed`
    maps each failed shard to its manifest's error message.
    """

    docs: str
    shards: list[str]
    done: list[str]
    failed: dict[str, str]
    pending: list[str]


def shard_status(out: Location) -> ShardStatus:
    """Shards done, failed and pending under OUT, from the manifests and the documents folder of `_run.json`.

    FileNotFoundError when OUT has no `_run.json`; RecordError when a record cannot be read.
    """
    return _shard_status(latest_run(out), read_manifests(out))


def _shard_status(run: RunRecord, manifests: dict[str, Manifest]) -> ShardStatus:
    shards = Location(run.docs).list(suffix=".parquet")
    done: list[str] = []
    failed: dict[str, str] = {}
    pending: list[str] = []
    for shard in shards:
        manifest = manifests.get(shard)
        if manifest is None:
            pending.append(shard)
        elif manifest.status == "failed":
            failed[shard] = manifest.error or ""
        else:
            done.append(shard)
    return ShardStatus(docs=run.docs, shards=shards, done=done, failed=failed, pending=pending)


def distribution(counts: Counter, bins: int | list[float] | None = None) -> dict[str, Any]:
    """Summary and histogram of values given as value -> count: n, min, median, p90, max, mean, bin edges and counts."""
    if not counts:
        return {"n": 0, "min": None, "median": None, "p90": None, "max": None, "mean": None, "edges": [], "counts": []}
    values = np.array(sorted(counts), dtype=float)
    weights = np.array([counts[v] for v in sorted(counts)], dtype=float)
    cumulative = np.cumsum(weights)
    n = int(cumulative[-1])

    def quantile(q: float) -> float:
        return float(values[np.searchsorted(cumulative, q * n)])

    if bins is None:
        low, high = values[0], values[-1]
        is_int = all(float(v).is_integer() for v in values)
        if is_int and high - low + 1 <= MAX_BINS:
            bins = [low - 0.5 + i for i in range(int(high - low) + 2)]
        else:
            bins = MAX_BINS if high > low else [low - 0.5, high + 0.5]
    hist, edges = np.histogram(values, bins=bins, weights=weights)
    return {
        "n": n,
        "min": _number(values[0]),
        "median": _number(quantile(0.5)),
        "p90": _number(quantile(0.9)),
        "max": _number(values[-1]),
        "mean": round(float(np.dot(values, weights) / n), 4),
        "edges": [round(float(e), 4) for e in edges],
        "counts": [int(c) for c in hist],
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 4)


def corpus_stats(out: Location) -> dict[str, Any]:
    """Every number of the report: corpus per language, entities, links, alignments, errors, the latest real run and every run.

    The keys are those README.md lists under "status, stats". FileNotFoundError when OUT has no
    `_run.json`; RecordError when a record cannot be read.
    """
    run = latest_run(out)
    manifests = read_manifests(out)
    status = _shard_status(run, manifests)
    languages, lengths, part_tokens = _corpus(out, Location(run.docs))
    totals = {key: sum(v[key] for v in languages.values()) for key in ("documents", "sentences", "tokens")}
    error_types = _errors(out)
    return {
        "languages": languages,
        "totals": totals,
        "shards": {"done": len(status.done), "failed": len(status.failed), "pending": len(status.pending)},
        "errors": sum(row["count"] for row in error_types),
        "error_types": error_types,
        "failed_shards": status.failed,
        "lengths": lengths,
        "entities": _entities(out) if has_table(out, "entities") else None,
        "entity_links": _entity_links(out) if has_table(out, "entity_links") else None,
        "alignments": _alignments(out) if has_table(out, "alignments") else None,
        "document_pairs": _document_pairs(out) if has_table(out, "document_pairs") else None,
        "run": _run_info(run, manifests, part_tokens),
        "runs": [_run_summary(record) for record in read_runs(out)],
    }


def _corpus(out: Location, docs: Location) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, Any]], dict[str, int]]:
    """Documents, sentences and tokens per language, their length distributions, and tokens per part file of the tokens table."""
    languages: dict[str, dict[str, int]] = defaultdict(lambda: {"documents": 0, "sentences": 0, "tokens": 0})
    doc_chars: dict[str, Counter] = defaultdict(Counter)
    sents_per_doc: dict[str, Counter] = defaultdict(Counter)
    tokens_per_sent: dict[str, Counter] = defaultdict(Counter)
    part_tokens: dict[str, int] = {}
    for name in docs.list(suffix=".parquet"):
        part = docs.read_table(name, columns=["lang", "text"])
        chars = pa.table({"lang": part.column("lang"), "n": pc.utf8_length(part.column("text"))})
        for row in _summed(chars, ["lang", "n"], []).to_pylist():
            languages[row["lang"]]["documents"] += row["count_all"]
            doc_chars[row["lang"]][row["n"]] += row["count_all"]
    for name in out.list("tokens", suffix=".parquet"):
        part = out.read_table("tokens", name, columns=["doc_id", "lang", "tokens"])
        lengths = pa.table({"doc_id": part.column("doc_id"), "lang": part.column("lang"), "n": pc.list_value_length(part.column("tokens"))})
        part_tokens[name] = pc.sum(lengths.column("n")).as_py() or 0
        for row in _summed(lengths, ["lang", "n"], []).to_pylist():
            tokens_per_sent[row["lang"]][row["n"]] += row["count_all"]
            languages[row["lang"]]["sentences"] += row["count_all"]
            languages[row["lang"]]["tokens"] += row["n"] * row["count_all"]
        # A document's sentences all sit in its shard's part file, so per-part counts are whole.
        for row in _summed(lengths, ["doc_id", "lang"], []).to_pylist():
            sents_per_doc[row["lang"]][row["count_all"]] += 1
    ordered = sorted(languages)
    lengths_by_lang = {
        lang: {
            "document_chars": distribution(doc_chars[lang]),
            "sentences_per_document": distribution(sents_per_doc[lang]),
            "tokens_per_sentence": distribution(tokens_per_sent[lang]),
        }
        for lang in ordered
    }
    return {lang: languages[lang] for lang in ordered}, lengths_by_lang, part_tokens


def _errors(out: Location) -> list[dict[str, Any]]:
    """Error rows counted by stage and type, each with its first example."""
    counts: Counter = Counter()
    examples: dict[tuple[str, str], dict[str, Any]] = {}
    for part in iter_output_table(out, "errors"):
        for row in part.to_pylist():
            key = (row["stage"], row["error_type"])
            counts[key] += 1
            examples.setdefault(key, {"doc_id": row["doc_id"], "shard": row["shard"], "message": row["message"][:MESSAGE_CHARS]})
    return [{"stage": stage, "error_type": etype, "count": counts[(stage, etype)], **examples[(stage, etype)]} for stage, etype in sorted(counts)]


def _entities(out: Location) -> dict[str, Any]:
    """Mentions per language and label, the most mentioned people and companies, MONEY totals by currency (`_money`)."""
    by_lang: dict[str, Counter] = defaultdict(Counter)
    names: dict[tuple[str, str], Counter] = defaultdict(Counter)
    sources: Counter = Counter()
    for part in iter_output_table(out, "entities", columns=["lang", "label", "norm", "source"]):
        for row in _summed(part, ["lang", "label", "norm"], []).to_pylist():
            by_lang[row["lang"]][row["label"]] += row["count_all"]
            if row["label"] in ("PERSON", "ORG"):
                names[(row["lang"], row["label"])][row["norm"]] += row["count_all"]
        sources.update({row["values"]: row["counts"] for row in pc.value_counts(part.column("source")).to_pylist()})
    labels: Counter = sum(by_lang.values(), Counter())
    return {
        "total": sum(labels.values()),
        "labels": dict(sorted(labels.items())),
        "by_language": {lang: dict(sorted(by_lang[lang].items())) for lang in sorted(by_lang)},
        "sources": dict(sorted(sources.items())),
        "top": {
            lang: {label: [{"norm": norm, "count": n} for norm, n in _top(names[(lang, label)], TOP_ENTITIES)] for label in ("PERSON", "ORG")}
            for lang in sorted(by_lang)
        },
        "money": _money(out),
    }


def _money(out: Location) -> dict[str, dict[str, Any]]:
    """MONEY per currency: mentions, those with an amount, and the distinct amounts, their total and the largest.

    An amount is one fact however many translations repeat it: the mentions of one entity_links cluster
    (the same amount and currency in several documents of a translation group) count once, a mention in
    no cluster counts on its own. A group lies in one shard, so `entities` and `entity_links` are joined
    part file by part file (the same shard name) and memory holds one shard's MONEY mentions at a time.
    Shape: {currency or NO_CURRENCY: {"mentions": int, "with_amount": int, "amounts": int, "total": str | None,
    "largest": str | None}}, amounts as plain decimal strings.
    """
    money: dict[str, dict[str, Any]] = defaultdict(lambda: {"mentions": 0, "with_amount": 0, "amounts": 0, "total": Decimal(0), "largest": None})
    linked_parts = set(out.list("entity_links", suffix=".parquet"))
    for name in out.list("entities", suffix=".parquet"):
        part = out.read_table("entities", name, columns=["doc_id", "ent_idx", "label", "amount", "currency"])
        mentions = part.filter(pc.equal(part.column("label"), "MONEY"))
        if not mentions.num_rows:
            continue
        links = out.read_table("entity_links", name, columns=["doc_id", "ent_idx", "link_id"]) if name in linked_parts else None
        cluster = {(r["doc_id"], r["ent_idx"]): r["link_id"] for r in links.to_pylist()} if links is not None else {}
        counted: set[str] = set()
        for row in mentions.to_pylist():
            entry = money[row["currency"] or NO_CURRENCY]
            entry["mentions"] += 1
            if row["amount"] is None:
                continue
            entry["with_amount"] += 1
            link_id = cluster.get((row["doc_id"], row["ent_idx"]))
            if link_id is not None:
                if link_id in counted:
                    continue  # this cluster's amount is counted already
                counted.add(link_id)
            entry["amounts"] += 1
            entry["total"] += row["amount"]
            entry["largest"] = row["amount"] if entry["largest"] is None else max(entry["largest"], row["amount"])
    return {
        cur: {
            "mentions": e["mentions"],
            "with_amount": e["with_amount"],
            "amounts": e["amounts"],
            "total": _decimal(e["total"]) if e["amounts"] else None,
            "largest": _decimal(e["largest"]) if e["largest"] is not None else None,
        }
        for cur, e in sorted(money.items())
    }


def _top(counts: Counter, k: int) -> list[tuple[str, int]]:
    """The k most frequent keys, ties broken alphabetically so the output is stable."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:k]


def _decimal(value: Decimal) -> str:
    """A decimal as a plain string without trailing zeros: 100000000.000000 -> "100000000"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _summed(table: pa.Table, keys: list[str], sums: list[str], count: bool = True) -> pa.Table:
    """`table` grouped by `keys`, with the sum of each column in `sums` (same names) and, if `count`, the group size `count_all`."""
    grouped = table.group_by(keys).aggregate([(column, "sum") for column in sums] + ([([], "count_all")] if count else []))
    return grouped.rename_columns([name.removesuffix("_sum") if name.removesuffix("_sum") in sums else name for name in grouped.column_names])


def _regroup(partials: list[pa.Table], keys: list[str], sums: list[str]) -> pa.Table:
    """Per-part `_summed` results merged into one: grouped again by `keys`, summing `sums` and `count_all`."""
    return _summed(pa.concat_tables(partials), keys, [*sums, "count_all"], count=False)


def _entity_links(out: Location) -> dict[str, Any]:
    """Clusters of mentions linked across documents, and the cross-language ones with their most used name per language."""
    partials = [
        _summed(part, ["link_id", "group_id", "lang", "norm"], [])
        for part in iter_output_table(out, "entity_links", columns=["group_id", "link_id", "lang", "norm"])
    ]
    names = _regroup(partials, ["link_id", "group_id", "lang", "norm"], [])
    clusters = names.group_by(["link_id", "group_id"]).aggregate([("lang", "count_distinct"), ("count_all", "sum")])
    cross = clusters.filter(pc.greater(clusters.column("lang_count_distinct"), 1))
    ranked = cross.sort_by([("lang_count_distinct", "descending"), ("count_all_sum", "descending"), ("link_id", "ascending")]).slice(0, TOP_LINKS)
    chosen = names.filter(pc.is_in(names.column("link_id"), ranked.column("link_id"))).to_pylist()
    examples = []
    for cluster in ranked.to_pylist():
        counts: dict[str, Counter] = defaultdict(Counter)
        for row in chosen:
            if row["link_id"] == cluster["link_id"]:
                counts[row["lang"]][row["norm"]] += row["count_all"]
        examples.append(
            {
                "link_id": cluster["link_id"],
                "group_id": cluster["group_id"],
                "mentions": cluster["count_all_sum"],
                "names": {lang: _top(counts[lang], 1)[0][0] for lang in sorted(counts)},
            }
        )
    return {
        "mentions": pc.sum(names.column("count_all")).as_py() or 0,
        "clusters": pc.count_distinct(clusters.column("link_id")).as_py(),
        "cross_language": pc.count_distinct(cross.column("link_id")).as_py(),
        "examples": examples,
    }


_BEAD_SUMS = ["src_n", "tgt_n", "src_aligned", "tgt_aligned", "null_beads", "score_sum", "scored"]


def _bead_columns(part: pa.Table) -> pa.Table:
    """One alignments part with per-bead numbers: sentences per side, sentences aligned (bead has both sides), null bead, score."""
    src_n = pc.list_value_length(part.column("src_sents"))
    tgt_n = pc.list_value_length(part.column("tgt_sents"))
    both = pc.and_(pc.greater(src_n, 0), pc.greater(tgt_n, 0))
    score = part.column("score").cast(pa.float64())
    return pa.table(
        {
            "src_doc_id": part.column("src_doc_id"),
            "tgt_doc_id": part.column("tgt_doc_id"),
            "pair": pc.binary_join_element_wise(part.column("src_lang"), part.column("tgt_lang"), "-"),
            "src_n": src_n,
            "tgt_n": tgt_n,
            "src_aligned": pc.if_else(both, src_n, 0),
            "tgt_aligned": pc.if_else(both, tgt_n, 0),
            "null_beads": pc.cast(pc.invert(both), pa.int64()),
            "score_sum": pc.fill_null(score, 0.0),
            "scored": pc.cast(pc.is_valid(score), pa.int64()),
            "score": pc.round(score, 3),
        }
    )


def _alignments(out: Location) -> dict[str, Any]:
    """Bead types, the score histogram, sentence coverage per language pair and the worst-aligned document pairs.

    A side's coverage is the share of its sentences that sit in a bead with sentences on both sides
    (the aligner puts every sentence in exactly one bead, 1-0 and 0-1 beads included).
    """
    types, documents, scores = [], [], Counter()
    for part in iter_output_table(out, "alignments", columns=["src_doc_id", "tgt_doc_id", "src_lang", "tgt_lang", "src_sents", "tgt_sents", "score"]):
        beads = _bead_columns(part)
        types.append(_summed(beads, ["src_n", "tgt_n"], []))
        documents.append(_summed(beads, ["src_doc_id", "tgt_doc_id", "pair"], _BEAD_SUMS))
        scores.update({row["values"]: row["counts"] for row in pc.value_counts(beads.column("score").drop_null()).to_pylist()})
    bead_types = Counter({f"{row['src_n']}-{row['tgt_n']}": row["count_all"] for row in _regroup(types, ["src_n", "tgt_n"], []).to_pylist()})
    docs = _regroup(documents, ["src_doc_id", "tgt_doc_id", "pair"], _BEAD_SUMS).rename_columns({"count_all": "beads"})
    mean = pc.divide(docs.column("score_sum"), pc.if_else(pc.greater(docs.column("scored"), 0), docs.column("scored"), None).cast(pa.float64()))
    worst = docs.append_column("mean_score", mean).sort_by(
        [("mean_score", "ascending"), ("null_beads", "descending"), ("src_doc_id", "ascending"), ("tgt_doc_id", "ascending")]
    )
    pairs = _summed(docs, ["pair"], [*_BEAD_SUMS, "beads"])
    return {
        "beads": sum(bead_types.values()),
        "document_pairs": docs.num_rows,
        "bead_types": dict(sorted(bead_types.items(), key=lambda item: (-item[1], item[0]))),
        "scores": distribution(scores, bins=[i / 20 for i in range(21)]),
        "pairs": {
            p["pair"]: {
                "document_pairs": p["count_all"],
                "beads": p["beads"],
                "src_sentences": p["src_n"],
                "src_aligned": p["src_aligned"],
                "src_coverage": round(p["src_aligned"] / p["src_n"], 4) if p["src_n"] else None,
                "tgt_sentences": p["tgt_n"],
                "tgt_aligned": p["tgt_aligned"],
                "tgt_coverage": round(p["tgt_aligned"] / p["tgt_n"], 4) if p["tgt_n"] else None,
                "mean_score": _mean(p["score_sum"], p["scored"]),
            }
            for p in sorted(pairs.to_pylist(), key=lambda p: p["pair"])
        },
        "worst": [
            {
                "src_doc_id": d["src_doc_id"],
                "tgt_doc_id": d["tgt_doc_id"],
                "pair": d["pair"],
                "beads": d["beads"],
                "null_beads": d["null_beads"],
                "mean_score": _mean(d["score_sum"], d["scored"]),
            }
            for d in worst.slice(0, WORST_DOCUMENTS).to_pylist()
        ],
    }


def _document_pairs(out: Location) -> dict[str, Any]:
    """Pairs found by `docalign` per language pair, their score histogram, and the documents it saw and left unpaired per language.

    The per-language counts come from the meta the task keeps in OUT/docalign/_docalign.json (absent
    for an output written before it: then null).
    """
    by_pair, scores = Counter(), Counter()
    for part in iter_output_table(out, "document_pairs", columns=["src_lang", "tgt_lang", "score"]):
        for row in part.to_pylist():
            by_pair[f"{row['src_lang']}-{row['tgt_lang']}"] += 1
            scores[round(row["score"], 4)] += 1
    meta = out.read_json(DOCALIGN_META[0], DOCALIGN_META[1]) if out.exists(*DOCALIGN_META) else {}
    return {
        "pairs": sum(by_pair.values()),
        "by_pair": dict(sorted(by_pair.items())),
        "scores": distribution(scores, bins=[i / 20 for i in range(21)]),
        "documents": meta.get("documents"),
        "unpaired": meta.get("unpaired"),
        "method": meta.get("method"),
        "notes": meta.get("notes", []),
    }


def _mean(total: float, n: int) -> float | None:
    return round(total / n, 4) if n else None


def _run_summary(run: RunRecord) -> dict[str, Any]:
    """One run in a line: id, start (UTC, ISO 8601), wall seconds, tasks, documents read and shards done, skipped and failed (counts)."""
    return {
        "run_id": run.run_id,
        "started": run.started,
        "seconds": run.seconds,
        "tasks": run.tasks,
        "documents": run.documents,
        "shards_done": len(run.shards_done),
        "shards_skipped": len(run.shards_skipped),
        "shards_failed": len(run.shards_failed),
    }


def _run_info(run: RunRecord, manifests: dict[str, Manifest], part_tokens: dict[str, int]) -> dict[str, Any]:
    """The latest run that did work, its throughput on wall time, and per-shard work from the manifests.

    Rates are per run, on wall time (`seconds`, the whole run: start-up, corpus steps and writes included):
    `documents_per_second` is the documents this run's shard jobs read (`RunRecord.documents`) over it;
    `tokens_per_second` the tokens in the tokens table's part files of the shards this run did, over it
    (the same documents, counted in tokens; `tokens` is None when none of those part files exists).
    Both are None when the run did no shard or took no time. `worker_seconds` (summed over the run's
    shards) and `task_seconds` (summed per task and annotation) add up the work of every worker, so
    with several workers they exceed the wall time: they say where the work went, never how fast.
    `phases` are wall seconds per phase. `shards` holds every manifest under OUT, earlier runs' included.
    """
    done_parts = [shard for shard in run.shards_done if shard in part_tokens]
    tokens = sum(part_tokens[shard] for shard in done_parts) if done_parts else None
    timed = bool(run.shards_done) and run.seconds > 0
    return {
        **_run_summary(run),
        "docs": run.docs,
        "config": run.config,
        "config_hash": run.config_hash,
        "python": run.python,
        "versions": run.versions,
        "tokens": tokens,
        "phases": {phase: round(seconds, 4) for phase, seconds in run.phases.items()},
        "worker_seconds": round(sum(run.shard_seconds.values()), 4),
        "task_seconds": {task: round(seconds, 4) for task, seconds in sorted(run.task_seconds.items())},
        "documents_per_second": round(run.documents / run.seconds, 3) if timed else None,
        "tokens_per_second": round(tokens / run.seconds, 3) if timed and tokens is not None else None,
        "shards": {
            shard: m.model_dump(include={"status", "tasks", "documents", "rows", "errors", "seconds", "timings"}) for shard, m in sorted(manifests.items())
        },
    }
