"""The `report` and `show` subcommands: argument parsing and printing; the work lives in views/report.py and views/show.py."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable


def cmd_report(args: argparse.Namespace) -> int:
    from corpus.storage import Location
    from views.report import write_report

    print(write_report(Location(args.out)))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from corpus.storage import Location
    from views.show import load_view, render

    try:
        view = load_view(Location(args.out), args.doc_id)
    except KeyError as exc:
        print(f"polycorpus show: error: {exc.args[0]}", file=sys.stderr)
        return 2
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    width = args.width or shutil.get_terminal_size((120, 24)).columns
    sys.stdout.write(render(view, colour, width))
    return 0


def register(sub: argparse._SubParsersAction, command: Callable[[argparse._SubParsersAction, str, str, str], argparse.ArgumentParser]) -> None:
    """Add `report` and `show` to the polycorpus command line; `command(sub, name, summary, description)` makes each subparser."""
    p = command(
        sub,
        "report",
        "write OUT/report.html: stats, entities, beads, runs",
        "write OUT/report.html, one self-contained page: stats, entities, alignments, errors and run info with plots",
    )
    p.add_argument("out", metavar="OUT", help="the output folder of `polycorpus run`")
    p.set_defaults(func=cmd_report)

    p = command(
        sub,
        "show",
        "one document, entities highlighted, beside its translation",
        "print one document with its entities highlighted and its aligned sentences beside their translation",
    )
    p.add_argument("out", metavar="OUT", help="the output folder of `polycorpus run`")
    p.add_argument("doc_id", metavar="DOC_ID", help="the document's doc_id (a column of OUT/documents)")
    p.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="ANSI highlights (auto: when stdout is a terminal and NO_COLOR is unset)"
    )
    p.add_argument("--width", type=int, metavar="N", help="columns (default: the terminal's width, 120 when not a terminal)")
    p.set_defaults(func=cmd_show)
