"""The self-contained HTML report of a run: the numbers of `corpus_stats` as tables and matplotlib plots inlined as SVG.

The page loads nothing from the network. Every count cell carries `data-stat="<path in the stats JSON>"`,
so a reader (or a test) can match the page against `polycorpus stats --json`.
"""

from __future__ import annotations

import html
import io
import json
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from corpus.storage import Location
from views.stats import corpus_stats

REPORT_FILE = "report.html"
LABELS = ("PERSON", "ORG", "MONEY")

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { border-bottom: 3px solid #3b6ea5; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; color: #3b6ea5; }
table { border-collapse: collapse; margin: .8em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef3f8; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; }
.absent { background: #fff6e0; border-left: 4px solid #e0a800; padding: .5em 1em; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 85%; }
code { background: #f3f3f3; padding: 0 .2em; }
"""


def write_report(out: Location, name: str = REPORT_FILE) -> str:
    """Compute the stats of OUT and write the report to `OUT/name`, atomically; return its path or URL."""
    out.write_bytes(render_report(corpus_stats(out)).encode("utf-8"), name)
    return out.url.rstrip("/") + "/" + name


def render_report(stats: dict[str, Any]) -> str:
    """The whole HTML page for a `corpus_stats` result."""
    plots = _Plots()
    sections = [
        ("overview", "Corpus overview", _overview(stats, plots)),
        ("entities", "Entities", _entities(stats, plots)),
        ("document-pairs", "Document pairs", _document_pairs(stats, plots)),
        ("alignment", "Alignment", _alignment(stats, plots)),
        ("errors", "Errors", _errors(stats)),
        ("run", "Run info", _run(stats, plots)),
    ]
    nav = " · ".join(f'<a href="#{key}">{title}</a>' for key, title, _ in sections)
    body = "\n".join(f'<section id="{key}"><h2>{title}</h2>\n{content}</section>' for key, title, content in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>polycorpus report: {_e(stats['run']['docs'])}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>polycorpus report</h1><p>Documents: <code>{_e(stats['run']['docs'])}</code></p>"
        f"<nav>{nav}</nav>\n{body}\n</body></html>\n"
    )


class _Plots:
    """Renders matplotlib figures to inline SVG, each with its own id salt so ids never clash in one page."""

    def __init__(self) -> None:
        self.count = 0

    def svg(self, fig: Figure, caption: str) -> str:
        self.count += 1
        sink = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"plot{self.count}"}):
            fig.savefig(sink, format="svg", metadata={"Date": None})
        text = sink.getvalue()
        return f"<figure>{text[text.index('<svg') :]}<figcaption>{_e(caption)}</figcaption></figure>"


def _figure() -> tuple[Figure, Any]:
    fig = Figure(figsize=(5.2, 3.0), layout="constrained")
    return fig, fig.add_subplot()


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any, stat: str | None = None) -> str:
    """A right-aligned number cell; `stat` is its path in the stats JSON."""
    text = f"{value:,}" if isinstance(value, int) else ("–" if value is None else _e(value))
    attr = f' data-stat="{_e(stat)}"' if stat else ""
    return f'<td class="n"{attr}>{text}</td>'


def _table(header: list[str] | None, rows: list[str]) -> str:
    head = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>\n" if header else ""
    return f"<table>{head}" + "\n".join(f"<tr>{row}</tr>" for row in rows) + "</table>"


def _absent(table: str) -> str:
    """The notice for a table this output lacks, naming the registered task that writes it."""
    writer = _writer(table)
    how = f"it is written by <code>polycorpus run --tasks {_e(writer)}</code>" if writer else "no registered task writes it"
    return f'<p class="absent">No <code>{_e(table)}</code> table in this output: {how}.</p>'


def _writer(table: str) -> str | None:
    """The name of the first registered task whose `tables` include `table`, or None.

    The registry is imported here, not with this module: loading it imports the tasks (and spaCy),
    which a report whose tables are all present never needs.
    """
    from tasks.registry import registered

    return next((task.name for task in registered().values() if table in task.tables), None)


def _overview(stats: dict[str, Any], plots: _Plots) -> str:
    keys = ("documents", "sentences", "tokens")
    rows = [f"<td>{_e(lang)}</td>" + "".join(_num(row[k], f"languages.{lang}.{k}") for k in keys) for lang, row in stats["languages"].items()]
    rows.append("<th>all</th>" + "".join(_num(stats["totals"][k], f"totals.{k}") for k in keys))
    summary = []
    for lang, dists in stats["lengths"].items():
        for name, dist in dists.items():
            summary.append(
                f"<td>{_e(lang)}</td><td>{_e(name.replace('_', ' '))}</td>" + "".join(_num(dist[k]) for k in ("n", "min", "median", "p90", "max", "mean"))
            )
    figures = []
    for name, xlabel in (
        ("document_chars", "characters per document"),
        ("sentences_per_document", "sentences per document"),
        ("tokens_per_sentence", "tokens per sentence"),
    ):
        fig, ax = _figure()
        for lang, dists in stats["lengths"].items():
            dist = dists[name]
            if dist["counts"]:
                ax.stairs(dist["counts"], dist["edges"], label=lang, linewidth=1.8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("count")
        ax.legend(title="language")
        figures.append(plots.svg(fig, f"Distribution of {xlabel}, per language"))
    return (
        _table(["language", "documents", "sentences", "tokens"], rows)
        + f'<div class="plots">{"".join(figures)}</div>'
        + _table(["language", "length", "n", "min", "median", "p90", "max", "mean"], summary)
    )


def _entities(stats: dict[str, Any], plots: _Plots) -> str:
    ents = stats["entities"]
    if ents is None:
        return _absent("entities") + _links(stats)
    labels = sorted(set(LABELS) | set(ents["labels"]))
    rows = [
        f"<td>{_e(lang)}</td>" + "".join(_num(counts.get(label, 0), f"entities.by_language.{lang}.{label}") for label in labels) + _num(sum(counts.values()))
        for lang, counts in ents["by_language"].items()
    ]
    rows.append(
        "<th>all</th>" + "".join(_num(ents["labels"].get(label, 0), f"entities.labels.{label}") for label in labels) + _num(ents["total"], "entities.total")
    )
    parts = [_table(["language", *labels, "all"], rows)]
    if ents["by_language"]:
        fig, ax = _figure()
        langs = list(ents["by_language"])
        width = 0.8 / max(len(labels), 1)
        for i, label in enumerate(labels):
            ax.bar([x + i * width for x in range(len(langs))], [ents["by_language"][lang].get(label, 0) for lang in langs], width, label=label)
        ax.set_xticks([x + width * (len(labels) - 1) / 2 for x in range(len(langs))], langs)
        ax.set_ylabel("mentions")
        ax.legend()
        parts.append(f'<div class="plots">{plots.svg(fig, "Entity mentions per label and language")}</div>')
    parts.append("<p>Sources: " + ", ".join(f"{_e(s)} {n:,}" for s, n in ents["sources"].items()) + "</p>")
    top_rows = []
    for lang, by_label in ents["top"].items():
        cells = []
        for label in ("PERSON", "ORG"):
            names = "<br>".join(f"{_e(item['norm'])} ({item['count']})" for item in by_label[label]) or "–"
            cells.append(f"<td>{names}</td>")
        top_rows.append(f"<td>{_e(lang)}</td>" + "".join(cells))
    parts.append("<h3>Most mentioned people and companies</h3>" + _table(["language", "people (PERSON)", "companies (ORG)"], top_rows))
    money_rows = [
        f"<td>{_e(cur)}</td>"
        + _num(m["mentions"], f"entities.money.{cur}.mentions")
        + _num(m["with_amount"])
        + _num(m["amounts"], f"entities.money.{cur}.amounts")
        + _num(_grouped(m["total"]))
        + _num(_grouped(m["largest"]))
        for cur, m in ents["money"].items()
    ]
    header = ["currency", "mentions", "with an amount", "distinct amounts", "total of distinct amounts", "largest amount"]
    parts.append(
        "<h3>MONEY totals by currency</h3>"
        + "<p>An amount repeated by the translations of a group (one linked cluster) counts once in the total.</p>"
        + (_table(header, money_rows) if money_rows else "<p>No MONEY mentions.</p>")
    )
    return "\n".join(parts) + _links(stats)


def _links(stats: dict[str, Any]) -> str:
    links = stats["entity_links"]
    if links is None:
        return "<h3>Entities linked across languages</h3>" + _absent("entity_links")
    summary = (
        f"<p>{links['mentions']:,} linked mentions in {links['clusters']:,} clusters, "
        f'<span data-stat="entity_links.cross_language">{links["cross_language"]:,}</span> of them across languages.</p>'
    )
    langs = sorted({lang for ex in links["examples"] for lang in ex["names"]})
    rows = [
        f"<td>{_e(ex['group_id'])}</td>" + "".join(f"<td>{_e(ex['names'].get(lang, ''))}</td>" for lang in langs) + _num(ex["mentions"])
        for ex in links["examples"]
    ]
    return "<h3>Entities linked across languages</h3>" + summary + (_table(["group", *langs, "mentions"], rows) if rows else "")


def _alignment(stats: dict[str, Any], plots: _Plots) -> str:
    align = stats["alignments"]
    if align is None:
        return _absent("alignments")
    parts = [f'<p><span data-stat="alignments.beads">{align["beads"]:,}</span> beads over {align["document_pairs"]:,} document pairs.</p>']
    figures = []
    if align["bead_types"]:
        fig, ax = _figure()
        ax.bar(list(align["bead_types"]), list(align["bead_types"].values()), color="#3b6ea5")
        ax.set_xlabel("bead type (source-target sentences)")
        ax.set_ylabel("beads")
        figures.append(plots.svg(fig, "Bead types"))
    if align["scores"]["counts"]:
        fig, ax = _figure()
        ax.stairs(align["scores"]["counts"], align["scores"]["edges"], fill=True, color="#6a9f58")
        ax.set_xlabel("bead score")
        ax.set_ylabel("beads")
        figures.append(plots.svg(fig, "Histogram of bead scores"))
    parts.append(f'<div class="plots">{"".join(figures)}</div>')
    parts.append(_table(["bead type", "beads"], [f"<td>{_e(t)}</td>" + _num(n, f"alignments.bead_types.{t}") for t, n in align["bead_types"].items()]))
    pair_rows = [
        f"<td>{_e(name)}</td>"
        + _num(p["document_pairs"])
        + _num(p["beads"])
        + _num(f"{p['src_aligned']:,} / {p['src_sentences']:,}")
        + _num(_percent(p["src_coverage"]))
        + _num(f"{p['tgt_aligned']:,} / {p['tgt_sentences']:,}")
        + _num(_percent(p["tgt_coverage"]))
        + _num(p["mean_score"])
        for name, p in align["pairs"].items()
    ]
    parts.append(
        "<h3>Coverage per language pair</h3><p>A sentence is covered when its bead has sentences on both sides.</p>"
        + _table(["pair", "document pairs", "beads", "source aligned", "source coverage", "target aligned", "target coverage", "mean score"], pair_rows)
    )
    worst_rows = [
        f"<td><code>{_e(w['src_doc_id'])}</code></td><td><code>{_e(w['tgt_doc_id'])}</code></td><td>{_e(w['pair'])}</td>"
        + _num(w["beads"])
        + _num(w["null_beads"])
        + _num(w["mean_score"])
        for w in align["worst"]
    ]
    parts.append(
        "<h3>Worst-aligned documents</h3><p>Lowest mean bead score first; look at one with <code>polycorpus show OUT DOC_ID</code>.</p>"
        + _table(["source document", "target document", "pair", "beads", "1-0 / 0-1 beads", "mean score"], worst_rows)
    )
    return "\n".join(parts)


def _document_pairs(stats: dict[str, Any], plots: _Plots) -> str:
    found = stats["document_pairs"]
    if found is None:
        return _absent("document_pairs")
    parts = [f'<p><span data-stat="document_pairs.pairs">{found["pairs"]:,}</span> document pairs found by <code>docalign</code> ({_e(found["method"])}).</p>']
    parts += [f'<p class="absent">{_e(note)}</p>' for note in found["notes"]]
    if found["scores"]["counts"]:
        fig, ax = _figure()
        ax.stairs(found["scores"]["counts"], found["scores"]["edges"], fill=True, color="#3b6ea5")
        ax.set_xlabel("pair score")
        ax.set_ylabel("document pairs")
        parts.append(f'<div class="plots">{plots.svg(fig, "Histogram of document pair scores")}</div>')
    parts.append(
        _table(["language pair", "document pairs"], [f"<td>{_e(p)}</td>" + _num(n, f"document_pairs.by_pair.{p}") for p, n in found["by_pair"].items()])
    )
    if found["unpaired"] is not None:
        rows = [
            f"<td>{_e(lang)}</td>" + _num(found["documents"].get(lang)) + _num(n, f"document_pairs.unpaired.{lang}") for lang, n in found["unpaired"].items()
        ]
        parts.append("<h3>Unpaired documents per language</h3>" + _table(["language", "documents without group_id", "unpaired"], rows))
    return "\n".join(parts)


def _grouped(amount: str | None) -> str | None:
    """A decimal string with thousands separators: "1234567.5" -> "1,234,567.5"."""
    if amount is None:
        return None
    whole, _, fraction = amount.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return sign + f"{int(whole.lstrip('-')):,}" + (f".{fraction}" if fraction else "")


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{100 * value:.1f}%"


def _errors(stats: dict[str, Any]) -> str:
    failed = "".join(f"<li><code>{_e(shard)}</code>: {_e(message)}</li>" for shard, message in sorted(stats["failed_shards"].items()))
    failed = f"<p>Failed shards (rerun with <code>--retry-failed</code>):</p><ul>{failed}</ul>" if failed else ""
    if not stats["error_types"]:
        return failed + '<p>No errors: <span data-stat="errors">0</span> error rows.</p>'
    rows = [
        f"<td>{_e(r['stage'])}</td><td>{_e(r['error_type'])}</td>"
        + _num(r["count"])
        + f"<td><code>{_e(r['doc_id'] or '(whole shard)')}</code> in {_e(r['shard'])}: {_e(r['message'])}</td>"
        for r in stats["error_types"]
    ]
    return failed + f'<p><span data-stat="errors">{stats["errors"]:,}</span> error rows.</p>' + _table(["stage", "type", "count", "example"], rows)


def _run(stats: dict[str, Any], plots: _Plots) -> str:
    run = stats["run"]
    shards = stats["shards"]
    facts = [
        ("documents", run["docs"]),
        ("tasks", ", ".join(run["tasks"])),
        ("last run that did work", f"{run['run_id']}, started {run['started']}"),
        ("its wall time", f"{run['seconds']} s"),
        ("its wall time per phase", _seconds(run["phases"])),
        ("its shards", f"{run['shards_done']} done, {run['shards_skipped']} skipped, {run['shards_failed']} failed; {run['documents']:,} documents read"),
        ("throughput per run (wall time)", f"{_rate(run['documents_per_second'])} documents/s, {_rate(run['tokens_per_second'])} tokens/s"),
        ("worker seconds, summed", f"{run['worker_seconds']} s over its shards: {_seconds(run['task_seconds'])}"),
        ("shards now", f"{shards['done']} done, {shards['failed']} failed, {shards['pending']} pending"),
        ("python", run["python"]),
        *((f"{package}", version) for package, version in sorted(run["versions"].items())),
    ]
    parts = [_table(None, [f"<th>{_e(k)}</th><td>{_e(v)}</td>" for k, v in facts])]
    seconds = [s["seconds"] for s in run["shards"].values() if s["status"] == "done"]
    if seconds:
        fig, ax = _figure()
        ax.hist(seconds, bins=min(30, len(seconds)), color="#a55b3b")
        ax.set_xlabel("seconds per shard (its worker's time)")
        ax.set_ylabel("shards")
        parts.append(f'<div class="plots">{plots.svg(fig, f"Time per shard ({len(seconds)} shards)")}</div>')
    rows = [
        f"<td>{_e(shard)}</td><td>{_e(s['status'])}</td><td>{_e(', '.join(s['tasks']))}</td>"
        + _num(s["documents"])
        + _num(s["seconds"])
        + _num(round(s["documents"] / s["seconds"], 2) if s["documents"] and s["seconds"] else None)
        for shard, s in run["shards"].items()
    ]
    parts.append(_table(["shard", "status", "tasks", "documents", "worker seconds", "documents/s (the shard's own time)"], rows))
    runs = [
        f"<td><code>{_e(r['run_id'])}</code></td><td>{_e(r['started'])}</td>"
        + _num(r["seconds"])
        + f"<td>{_e(', '.join(r['tasks']))}</td>"
        + _num(r["documents"])
        + _num(r["shards_done"])
        + _num(r["shards_skipped"])
        + _num(r["shards_failed"])
        for r in stats["runs"]
    ]
    parts.append("<h3>Runs</h3>" + _table(["run", "started", "wall seconds", "tasks", "documents", "shards done", "skipped", "failed"], runs))
    parts.append("<h3>Config</h3><pre>" + _e(json.dumps(run["config"], indent=2, sort_keys=True)) + "</pre>")
    return "\n".join(parts)


def _seconds(by_name: dict[str, float]) -> str:
    """`{"shards": 3.2, "align": 0.4}` -> "shards 3.2 s, align 0.4 s"; "–" when empty."""
    return ", ".join(f"{name} {seconds} s" for name, seconds in by_name.items()) or "–"


def _rate(value: float | None) -> str:
    """A rate with thousands separators, or "–" when there is none."""
    return "–" if value is None else f"{value:,}"
