"""The `polycorpus` command line: argument parsing, help texts and printing; the work lives in corpus/, tasks/, views/ and cluster/.

Data goes to stdout or the output path; logs, warnings and progress go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import IO, Any

from cluster import config as configuration
from cluster import report_cli
from cluster.config import ConfigError
from corpus.readers import FORMATS, BadRecord, read_lines

log = logging.getLogger("polycorpus")


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def _version() -> str:
    try:
        return metadata.version("polycorpus")
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def _lines_out(path: str | None) -> Iterator[IO[str]]:
    if path in (None, "-"):
        yield sys.stdout
    else:
        with open(path, "w", encoding="utf-8") as handle:
            yield handle


def _column_map(text: str | None) -> dict[str, str]:
    """`text=content,doc_id=id` -> {"text": "content", "doc_id": "id"}; UsageError for a malformed or unknown target."""
    from corpus.readers import COLUMNS

    mapping: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        target, sep, source = (part.strip() for part in item.partition("="))
        if not sep or not target or not source:
            raise UsageError(f"--map takes TARGET=SOURCE pairs separated by commas (text=content,doc_id=id), got {item!r}")
        if target not in COLUMNS:
            raise UsageError(f"--map target {target!r} is not a documents column ({', '.join(COLUMNS)})")
        mapping[target] = source
    return mapping


def cmd_ingest(args: argparse.Namespace) -> int:
    from corpus.ingest import in_process, ingest

    parallel = any((args.cluster, args.workers is not None, args.scheduler_address, args.scheduler_file))
    # The config (its loading imports the NLP tasks' options) is read only when ingest uses it.
    config = configuration.load(args.config, _run_overrides(args)) if args.config or parallel or args.detect_lang else None
    if config is not None:
        from cluster.client import apply_storage_options

        apply_storage_options(config.cluster.storage_options)
    if args.default_lang is not None:
        configuration.check_language(args.default_lang, "--default-lang")
    detector = None
    if args.detect_lang:
        from tasks.langid import LanguageDetector

        detector = LanguageDetector()
    elif args.default_lang is not None:
        raise UsageError("--default-lang is the language of documents --detect-lang is not confident about; pass --detect-lang too")
    with _ingest_mapper(config) if parallel else contextlib.nullcontext(in_process) as mapper:
        result = ingest(
            args.inputs,
            args.out.rstrip("/") + "/",
            fmt=args.format,
            shard_size_mb=args.shard_size,
            detect_lang=detector,
            skip_bad=args.skip_bad,
            dedupe=args.dedupe,
            overwrite=args.overwrite,
            column_map=_column_map(args.map),
            default_lang=args.default_lang,
            mapper=mapper,
        )
    unconfigured = {lang: n for lang, n in result.detected.items() if config is not None and lang not in config.languages}
    if unconfigured:
        counts = ", ".join(f"{lang} {n}" for lang, n in unconfigured.items())
        log.warning(
            "%d documents were detected as languages that are not configured (%s); they keep their codes and run on a blank pipeline",
            sum(unconfigured.values()),
            counts,
        )
    if result.uncertain:
        log.warning(
            "%d documents were left out: the language detector was not confident about them (see OUT/errors/); pass --default-lang to keep them",
            result.uncertain,
        )
    log.info(
        "ingested %d documents into %d shards under %s/documents (%d bad records skipped, %d duplicates dropped)",
        result.documents,
        len(result.shards),
        args.out.rstrip("/"),
        result.skipped,
        result.duplicates,
    )
    return 0


def _ingest_mapper(config: configuration.Config) -> Any:
    from cluster.ingest_jobs import cluster_mapper

    return cluster_mapper(config.cluster)


def _run_overrides(args: argparse.Namespace) -> dict[str, Any]:
    cluster: dict[str, Any] = {}
    if args.cluster:
        cluster["type"] = args.cluster
    if args.workers is not None:
        cluster["n_workers"] = args.workers
    if args.scheduler_address:
        cluster["scheduler_address"] = args.scheduler_address
        cluster.setdefault("type", "address")
    if args.scheduler_file:
        cluster["scheduler_file"] = args.scheduler_file
        cluster.setdefault("type", "address")
    if args.start_timeout:
        cluster["start_timeout"] = args.start_timeout
    overrides: dict[str, Any] = {"cluster": cluster} if cluster else {}
    if args.hard_wrapped:
        overrides["run"] = {"hard_wrapped": True}
    if args.tasks is not None:
        overrides["tasks"] = [t.strip() for t in args.tasks.split(",") if t.strip()]
    return overrides


def cmd_run(args: argparse.Namespace) -> int:
    from cluster.runner import run

    config = configuration.load(args.config, _run_overrides(args))
    summary = run(args.docs, args.out, config, force=args.force, retry_failed=args.retry_failed)
    log.info("%d shards done, %d already done, %d failed in %.1fs", len(summary.done), len(summary.skipped), len(summary.failed), summary.seconds)
    for shard, message in sorted(summary.failed.items()):
        print(f"FAILED {shard}: {message}", file=sys.stderr)
    if summary.failed:
        print(f"{len(summary.failed)} shard(s) failed; fix the cause and rerun with --retry-failed", file=sys.stderr)
    if summary.failed_before:
        shards = ", ".join(sorted(summary.failed_before))
        print(f"{len(summary.failed_before)} shard(s) failed in an earlier run and were left alone ({shards}); rerun with --retry-failed", file=sys.stderr)
    return 1 if summary.failed or summary.failed_before else 0


def cmd_status(args: argparse.Namespace) -> int:
    from corpus.storage import Location
    from views.stats import shard_status

    status = shard_status(Location(args.out))
    print(f"docs: {status.docs}")
    print(f"shards: {len(status.shards)}  done: {len(status.done)}  pending: {len(status.pending)}  failed: {len(status.failed)}")
    for shard, message in status.failed.items():
        print(f"failed {shard}: {message}")
    for shard in status.pending:
        print(f"pending {shard}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from corpus.storage import Location
    from views.stats import corpus_stats

    stats = corpus_stats(Location(args.out))
    if args.json:
        print(json.dumps(stats, indent=2, sort_keys=True, default=str))
        return 0
    print(f"{'lang':<6}{'documents':>12}{'sentences':>12}{'tokens':>12}")
    for lang, row in stats["languages"].items():
        print(f"{lang:<6}{row['documents']:>12}{row['sentences']:>12}{row['tokens']:>12}")
    totals = stats["totals"]
    print(f"{'all':<6}{totals['documents']:>12}{totals['sentences']:>12}{totals['tokens']:>12}")
    print(f"shards done {stats['shards']['done']}, failed {stats['shards']['failed']}, pending {stats['shards']['pending']}; error rows {stats['errors']}")
    if stats.get("entities"):
        labels = ", ".join(f"{label} {n}" for label, n in sorted(stats["entities"]["labels"].items()))
        print(f"entities: {labels}; linked across languages: {stats['entity_links']['cross_language'] if stats.get('entity_links') else 0}")
    if stats.get("alignments"):
        beads = ", ".join(f"{kind} {n}" for kind, n in sorted(stats["alignments"]["bead_types"].items()))
        print(f"alignment beads: {beads}")
    return 0


def cmd_tokenize(args: argparse.Namespace) -> int:
    from cluster.languages import language_spec
    from tasks.spacy.annotate import Failed, word_spans
    from tasks.spacy.pipelines import get_nlp
    from tasks.steps.tokenize import token_line

    config = configuration.load(args.config)
    spec = language_spec(config, args.lang)
    nlp = get_nlp(args.lang, spec)
    texts = read_lines(args.input)
    with _lines_out(args.output) as sink:
        for number, (text, spans) in enumerate(zip(texts, word_spans(nlp, texts, spec.max_length, config.run.batch_size)), start=1):
            if isinstance(spans, Failed):
                raise UsageError(f"{args.input}:{number}: tokenize failed: {spans.error_type}: {spans.message}")
            sink.write(token_line(text, spans) + "\n")
    return 0


def cmd_entities(args: argparse.Namespace) -> int:
    from cluster.languages import language_spec
    from tasks.entities.extract import entities_for_texts, entity_record

    config = configuration.load(args.config)
    spec = language_spec(config, args.lang)
    texts = read_lines(args.input)
    with _lines_out(args.output) as sink:
        for entities in entities_for_texts(texts, args.lang, config.task_options("entities"), spec, config.run.batch_size):
            records = [entity_record(e) for e in entities]
            sink.write(json.dumps({"entities": records}, ensure_ascii=False) + "\n")
    return 0


def cmd_align_files(args: argparse.Namespace) -> int:
    from cluster.languages import language_spec
    from tasks.align.files import align_files

    pairs: list[tuple[str, str, str]] = []
    numbered = [(number, line.split("\t")) for number, line in enumerate(read_lines(args.pairs), start=1) if line.strip()]
    inputs = {path for _, fields in numbered for path in fields[:2]}
    outputs: set[str] = set()
    for number, fields in numbered:
        if len(fields) != 3:
            raise UsageError(f"{args.pairs}:{number}: expected src_file<TAB>tgt_file<TAB>out_file")
        if fields[2] in inputs or fields[2] in outputs:
            raise UsageError(f"{args.pairs}:{number}: out_file {fields[2]} is an input file or another line's out_file; it would be overwritten")
        outputs.add(fields[2])
        pairs.append((fields[0], fields[1], fields[2]))
    if not pairs:
        raise UsageError(f"{args.pairs} lists no file pairs")
    config = configuration.load(args.config)
    for lang, flag in {args.src_lang: "--src-lang", args.tgt_lang: "--tgt-lang"}.items():
        language_spec(config, lang, flag)  # checks the code; warns once for a language `languages:` does not list
    options = config.task_options("align")
    align_files(pairs, args.src_lang, args.tgt_lang, options, split_sentences=args.split_sentences)
    return 0


def task_listing() -> list[dict[str, Any]]:
    """Every registered task as `polycorpus tasks --json` prints it: name, doc, tables, requires, options (name, type, default, doc)."""
    from tasks.registry import registered

    return [
        {
            "name": task.name,
            "doc": task.doc,
            "tables": list(task.tables),
            "requires": list(task.requires),
            "corpus_step": task.corpus.table if task.corpus is not None else None,
            "options": [
                {"name": f.name, "type": str(f.type), "default": f.default, "doc": f.metadata.get("doc", "")}
                for f in (dataclasses.fields(task.options) if task.options_of is None else ())
            ],
            "options_of": task.options_of,
        }
        for task in registered().values()
    ]


def cmd_tasks(args: argparse.Namespace) -> int:
    listing = task_listing()
    if args.json:
        print(json.dumps(listing, indent=2, default=str))
        return 0
    for task in listing:
        requires = f"; requires {', '.join(task['requires'])}" if task["requires"] else ""
        print(f"{task['name']}: {task['doc']}")
        print(f"  tables: {', '.join(task['tables'])}{requires}")
        if task["options_of"]:
            print(f"  options: those of {task['options_of']}")
        for option in task["options"]:
            print(f"  {task['name']}.{option['name']} = {json.dumps(option['default'])}  ({option['type']}) {option['doc']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from views.export import export_pairs

    written = export_pairs(args.out, args.pair, args.format, args.dest, args.min_score)
    log.info("exported %d sentence pairs to %s", written, args.dest)
    if not written:
        log.warning("no aligned sentence pairs for %s in %s: check --pair and that `run` did the align task", args.pair, args.out)
    return 0


DESCRIPTION = """\
polycorpus turns a sharded Parquet corpus of multilingual news into
analysis-ready Parquet tables: sentences, tokens, entities (people, companies,
money amounts) and cross-language sentence alignments, on a local Dask
scheduler or a cluster.

`ingest` raw files, `run` the tasks, then read OUT with `status`, `stats`,
`report`, `show` and `export`; `tokenize`, `entities` and `align-files` work on
plain files in-process. `polycorpus COMMAND --help` describes each command."""

EXIT_CODES = """\
exit status: 0 ok; 1 some shards failed (run; `polycorpus status OUT` names
them); 2 bad input or usage (one line on stderr names the file, key or flag)."""


def _command(sub: argparse._SubParsersAction, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    """A subcommand: `summary` is its one line in `polycorpus --help`, `description` opens `polycorpus NAME --help`."""
    return sub.add_parser(name, help=summary, description=description, epilog=EXIT_CODES)


def _add_config(p: argparse.ArgumentParser, what: str = "") -> None:
    p.add_argument("--config", metavar="FILE", help=f"a YAML file laid over the embedded defaults (cluster/polycorpus.yaml){what}")


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tasks",
        metavar="T1,T2",
        help="comma-separated registered tasks, e.g. tokenize,entities,align; requirements are added (default: the config's tasks; see `polycorpus tasks`)",
    )
    _add_config(p)
    p.add_argument(
        "--cluster",
        choices=configuration.CLUSTER_TYPES,
        help="where to run: a local Dask scheduler (default), this process (sync), a running scheduler (address), SLURM or Kubernetes",
    )
    p.add_argument("--workers", type=int, metavar="N", help="worker processes, one core each (default: one per core for local)")
    p.add_argument("--scheduler-address", metavar="ADDR", help="address of a running Dask scheduler, e.g. tcp://host:8786 (implies --cluster address)")
    p.add_argument("--scheduler-file", metavar="F", help="scheduler file of a running Dask scheduler (implies --cluster address)")
    p.add_argument("--start-timeout", metavar="T", help="slurm, kubernetes: give up when no worker has joined after T, e.g. 30m (default: the config's, 1h)")
    p.add_argument(
        "--hard-wrapped",
        action="store_true",
        help="the documents are hard-wrapped: a single line break is a space, a blank line ends a paragraph (default: every line break ends a sentence)",
    )
    p.add_argument("--force", action="store_true", help="redo every shard and task, even those done")
    p.add_argument("--retry-failed", action="store_true", help="also redo shards whose manifest says failed")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="polycorpus", description=DESCRIPTION, epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"polycorpus {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

    p = _command(
        sub,
        "ingest",
        "read JSONL, CSV, TSV, txt, Moses, TMX or Parquet into OUT/documents/",
        "read raw files (JSONL, CSV, TSV, text, Moses, TMX, Parquet; .gz .bz2 .xz .zst decompressed) into the documents table"
        " OUT/documents/part-NNNNN.parquet, in bounded memory, in this process or on a cluster's workers",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="input files, folders or globs, local or URLs (a folder of article.fr.txt, article.vi.txt ...)")
    p.add_argument("out", metavar="OUT", help="output folder or URL; the documents land in OUT/documents/")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="input format (default: from each file's suffix, after a compression suffix); moses = line-parallel files news.fr, news.vi, one group",
    )
    p.add_argument(
        "--map", metavar="TARGET=SOURCE,...", help="documents columns from input columns, comma-separated, e.g. text=content,doc_id=id,lang=language"
    )
    p.add_argument("--shard-size", type=float, default=64.0, metavar="MB", help="MB (10^6 bytes) of UTF-8 text per shard, a float (default 64)")
    p.add_argument(
        "--detect-lang",
        action="store_true",
        help="detect the language of documents that have none, among all the detector knows (needs polycorpus[detect])",
    )
    p.add_argument("--default-lang", metavar="LANG", help="with --detect-lang: the language of documents the detector is not confident about")
    p.add_argument("--skip-bad", action="store_true", help="write bad records to OUT/errors/ and go on, instead of stopping at the first")
    p.add_argument("--dedupe", action="store_true", help="drop (and count) documents whose doc_id was seen before, instead of refusing them")
    p.add_argument("--overwrite", action="store_true", help="replace the documents of a non-empty OUT")
    _add_config(p, "; its cluster section serves --cluster")
    p.add_argument("--cluster", choices=configuration.CLUSTER_TYPES, help="read the inputs on a cluster's workers, as `run` does (default: this process)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (implies --cluster local unless the config says otherwise)")
    p.add_argument("--scheduler-address", metavar="ADDR", help="address of a running Dask scheduler (implies --cluster address)")
    p.add_argument("--scheduler-file", metavar="F", help="scheduler file of a running Dask scheduler (implies --cluster address)")
    p.add_argument("--start-timeout", metavar="T", help="slurm, kubernetes: give up when no worker has joined after T, e.g. 30m (default: the config's, 1h)")
    p.set_defaults(func=cmd_ingest, tasks=None, hard_wrapped=False)

    p = _command(
        sub,
        "run",
        "run the tasks on every shard of DOCS with Dask, into OUT",
        "run the tasks (tokenize, entities, align, ...) over every shard of DOCS on Dask, writing OUT/<table>/ and the manifests",
    )
    p.add_argument("docs", metavar="DOCS", help="the documents folder written by ingest (OUT/documents of ingest), a path or URL")
    p.add_argument("out", metavar="OUT", help="output folder or URL: tables, manifests (OUT/_manifest/), run records, logs")
    _add_run_flags(p)
    p.set_defaults(func=cmd_run)

    p = _command(
        sub, "status", "shards done, pending and failed in OUT", "count the shards done, pending and failed in OUT, naming the failed and pending ones"
    )
    p.add_argument("out", metavar="OUT", help="the output folder of `polycorpus run`")
    p.set_defaults(func=cmd_status)

    p = _command(
        sub,
        "stats",
        "documents, sentences, tokens, entities and beads of OUT",
        "print documents, sentences and tokens per language, entities and alignment beads of OUT",
    )
    p.add_argument("out", metavar="OUT", help="the output folder of `polycorpus run`")
    p.add_argument("--json", action="store_true", help="print every statistic the report shows as one JSON object (keys in the README)")
    p.set_defaults(func=cmd_stats)

    for name, func, short, what in (
        ("tokenize", cmd_tokenize, "its tokens", "its tokens joined by spaces (a space inside a token written _)"),
        ("entities", cmd_entities, "its entities as JSON", "a JSON object of its entities (offsets in code points)"),
    ):
        p = _command(
            sub, name, f"one document per line in, {short} per line out", f"one document per input line in, {what} per output line out; in-process, no Dask"
        )
        p.add_argument("--lang", required=True, metavar="L", help="ISO 639-1 code of the input's language (fr, vi, en, de, ...)")
        p.add_argument("--input", metavar="F", help="input file, one document per line (default: stdin)")
        p.add_argument("--output", metavar="F", help="output file, one line per input line (default: stdout)")
        _add_config(p, "; its languages section picks the model")
        p.set_defaults(func=func)

    p = _command(
        sub,
        "align-files",
        "align sentence-per-line file pairs, vecalign beads out",
        "align the sentences of file pairs, writing one bead per line in vecalign format; in-process, no Dask",
    )
    p.add_argument(
        "--pairs", required=True, metavar="PAIRS.tsv", help="no header; lines of src_file<TAB>tgt_file<TAB>out_file, paths relative to the current directory"
    )
    p.add_argument("--src-lang", required=True, metavar="L1", help="ISO 639-1 code of the src files' language")
    p.add_argument("--tgt-lang", required=True, metavar="L2", help="ISO 639-1 code of the tgt files' language")
    p.add_argument(
        "--split-sentences",
        action="store_true",
        help="inputs are running text: split them into sentences first and write them beside each out file as out_file.L1 and out_file.L2",
    )
    _add_config(p, "; its align section sets the aligner's options")
    p.set_defaults(func=cmd_align_files)

    p = _command(
        sub,
        "export",
        "aligned sentence pairs of OUT for MT (tsv, moses, tmx)",
        "write the aligned sentence pairs of one language pair of OUT for MT training (tsv, moses or tmx)",
    )
    p.add_argument("out", metavar="OUT", help="the output folder of a `polycorpus run` that did the align task")
    p.add_argument("--pair", required=True, metavar="L1-L2", help="the language pair, source first, e.g. fr-vi")
    p.add_argument(
        "--format",
        required=True,
        choices=("tsv", "moses", "tmx"),
        help="tsv: DEST holds source<TAB>target lines; moses: DEST is a prefix for DEST.L1 and DEST.L2; tmx: DEST is a TMX 1.4 file",
    )
    p.add_argument("--min-score", type=float, metavar="X", help="keep only beads whose score is at least X (default: every bead)")
    p.add_argument("dest", metavar="DEST", help="the output file (tsv, tmx) or file prefix (moses)")
    p.set_defaults(func=cmd_export)

    p = _command(
        sub,
        "tasks",
        "the registered tasks, their tables and options",
        "list the registered tasks: tables written, tasks required, options with defaults and a line of doc each",
    )
    p.add_argument("--json", action="store_true", help="a JSON list of objects: name, doc, tables, requires, corpus_step, options")
    p.set_defaults(func=cmd_tasks)

    report_cli.register(sub, _command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `polycorpus` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("distributed").setLevel(logging.WARNING)
    warnings.simplefilter("default")
    try:
        return args.func(args)
    except Exception as exc:
        if not isinstance(exc, _user_errors()):
            raise
        print(f"polycorpus {args.command}: error: {str(exc) or type(exc).__name__}", file=sys.stderr)
        return 2


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors a user can fix, printed as one line with exit status 2; imported only once one was raised (ingest and export are heavy to import)."""
    from corpus.ingest import IngestError
    from corpus.records import RecordError
    from corpus.storage import OutputUnwritable
    from tasks.langid import DetectorUnavailable
    from tasks.registry import UnknownTask
    from views.export import ExportError

    return (UsageError, ConfigError, IngestError, DetectorUnavailable, OutputUnwritable, RecordError, UnknownTask, BadRecord, ExportError, OSError)


if __name__ == "__main__":
    sys.exit(main())
