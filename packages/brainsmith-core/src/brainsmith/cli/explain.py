"""``brainsmith explain [CODE]``: an error code's cause and fix, from the error catalogue."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from ..errors import catalogue, explain
from .output import format_table


def register(commands: Any, summary: str) -> None:
    """Add the ``explain`` command, ``summary`` its one-line help."""
    parser = commands.add_parser(
        "explain",
        help=summary,
        description="Print the cause and the fix of an error code (the BSnnn printed under "
        "every error message), or list every code.",
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="an error code, e.g. BS101")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    """``brainsmith explain [CODE] [--json]``; an unknown code is bad input (exit 2)."""
    entries = catalogue() if args.code is None else (explain(args.code),)
    if args.json:
        documents = [entry._asdict() for entry in entries]
        document = documents if args.code is None else documents[0]
        print(json.dumps(document, indent=2), file=args.document_out)
    elif args.code is None:
        print(
            format_table(
                ["CODE", "EXIT", "ERROR"], [[e.code, str(e.exit_code), e.title] for e in entries]
            )
        )
    else:
        entry = entries[0]
        print(f"{entry.code}: {entry.title} ({entry.error}, exit status {entry.exit_code})")
        for label, text in (("cause", entry.cause), ("fix", entry.fix)):
            print(f"\n{textwrap.fill(f'{label}: {text}', width=88, subsequent_indent='  ')}")
    return 0
