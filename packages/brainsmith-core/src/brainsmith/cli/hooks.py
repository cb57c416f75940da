"""``brainsmith hooks``: the lifecycle hooks plugins can implement, and a run's statistics."""

from __future__ import annotations

import argparse
import inspect
import json
from typing import Any


def register(commands: Any, summary: str) -> None:
    """Add the ``hooks`` command group, ``summary`` its one-line help."""
    parser = commands.add_parser(
        "hooks",
        help=summary,
        description="List the lifecycle hooks (see docs/lifecycle.md) or show the hook "
        "statistics a compile or training run wrote (hook_stats.json).",
    )
    sub = parser.add_subparsers(dest="hooks_command", metavar="COMMAND", required=True)
    listing = sub.add_parser("list", help="every lifecycle hook with its arguments")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=run_list)
    stats = sub.add_parser("stats", help="per plugin and hook: calls, skips, errors, time")
    stats.add_argument("run_dir", metavar="RUN_DIR", help="a run's output directory")
    stats.add_argument("--json", action="store_true", help="print the file's JSON")
    stats.set_defaults(run=run_stats)


def lifecycle_hooks() -> list[dict[str, str]]:
    """Name, signature, family and first doc line of every lifecycle hookspec."""
    from ..compile import hookspecs as compile_hooks
    from ..lifecycle import hookspecs as lifecycle_hooks
    from ..lifecycle.events import HookEvents

    rows = []
    for name in HookEvents.ALL:
        spec = getattr(compile_hooks if name in HookEvents.COMPILE else lifecycle_hooks, name)
        doc = inspect.getdoc(spec) or ""
        arguments = ", ".join(inspect.signature(spec).parameters)
        rows.append(
            {
                "name": name,
                "arguments": arguments,
                "family": "compile" if name in HookEvents.COMPILE else "training",
                "summary": doc.split("\n\n")[0].replace("\n", " "),
            }
        )
    return rows


def run_list(args: argparse.Namespace) -> int:
    """``brainsmith hooks list``."""
    rows = lifecycle_hooks()
    if args.json:
        print(json.dumps(rows, indent=2), file=args.document_out)
        return 0
    family = ""
    for row in rows:
        if row["family"] != family:
            family = row["family"]
            print(f"{'' if family == 'compile' else chr(10)}{family} events:")
        print(f"  {row['name']}({row['arguments']})")
        print(f"      {row['summary']}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """``brainsmith hooks stats RUN_DIR``."""
    from ..lifecycle import read_stats

    document = read_stats(args.run_dir)
    text = json.dumps(document, indent=2) if args.json else stats_table(document)
    print(text, file=args.document_out)
    return 0


def stats_table(document: dict[str, Any]) -> str:
    """A human-readable table of a ``hook_stats.json`` document."""
    header = ("plugin", "hook", "calls", "skipped", "errors", "total ms", "max ms")
    rows = [
        (
            str(row["label"]),
            str(row["hook"]),
            str(row["calls"]),
            str(row["skipped"]),
            str(row["errors"]),
            f"{row['total_ms']:.3f}",
            f"{row['max_ms']:.3f}",
        )
        for row in document.get("hooks", [])
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in [header, *rows]
    ]
    if not rows:
        lines.append("(no hook was called)")
    stopped = document.get("stopped")
    if stopped:
        lines.append(f"stopped by {stopped.get('by') or '?'}: {stopped.get('reason', '')}")
    for plugin, why in sorted(document.get("disabled", {}).items()):
        lines.append(f"disabled {plugin}: {why}")
    return "\n".join(lines)
