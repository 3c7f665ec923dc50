"""The `report` and `show` subcommands: argument parsing and printing; the work lives in views/report.py and views/show.py."""

from __future__ import annotations

import argparse
import os
import shutil
import sys


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


def register(sub: argparse._SubParsersAction) -> None:
    """Add `report` and `show` to the polycorpus command line."""
    p = sub.add_parser("report", help="write OUT/report.html: stats, entities, alignment, errors and run info with plots")
    p.add_argument("out", metavar="OUT")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("show", help="one document with its entities highlighted and its aligned translation side by side")
    p.add_argument("out", metavar="OUT")
    p.add_argument("doc_id", metavar="DOC_ID")
    p.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="ANSI highlights (auto: when stdout is a terminal and NO_COLOR is unset)"
    )
    p.add_argument("--width", type=int, help="columns (default: the terminal's width, 120 when not a terminal)")
    p.set_defaults(func=cmd_show)
