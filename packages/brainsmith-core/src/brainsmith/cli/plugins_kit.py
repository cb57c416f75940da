"""``brainsmith plugins new / validate / install / uninstall``: the plugin author's kit.

Registered by :mod:`brainsmith.cli.plugins` into its sub-commands. The JSON shape of
``validate --json`` is :meth:`brainsmith.plugins.Validation.to_json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add ``new``, ``validate``, ``install`` and ``uninstall`` to the ``plugins`` group."""
    from ..plugins import SCAFFOLD_KINDS  # the scaffold's module: the standard library only

    new = sub.add_parser(
        "new",
        help="write a new plugin project (pyproject, manifest, component, tests, noxfile)",
        description="Write a complete plugin project: distribution brainsmith-plugin-NAME, "
        "namespace NAME, built by hatchling, bounded to this core's release series.",
    )
    new.add_argument("name", metavar="NAME", help="the plugin's namespace, e.g. 'demo'")
    new.add_argument(
        "--kind",
        choices=SCAFFOLD_KINDS,
        default="transform",
        help="the component it starts with (default: transform)",
    )
    new.add_argument(
        "-o", "--output", metavar="DIR", default=".", help="parent folder (default: here)"
    )
    new.set_defaults(run=_new)

    validate = sub.add_parser(
        "validate",
        help="check a plugin project or distribution before publishing (exit 1 on findings)",
        description="Build the project's wheel (or read the installed distribution) and check "
        "the manifest's schema, api range and stages, the bounded requirement on "
        "brainsmith-core, the entry point, the package data, every target's import and kind and "
        "the hook implementations. Imports the plugin's code.",
    )
    validate.add_argument(
        "subject",
        metavar="PATH|DISTRIBUTION",
        nargs="?",
        default=".",
        help="a project folder (default: here) or an installed distribution's name",
    )
    validate.add_argument("--json", action="store_true", help="print JSON")
    validate.set_defaults(run=_validate)

    install = sub.add_parser(
        "install",
        help="install plugins into this environment, never changing brainsmith-core",
        description="Install with uv (or pip) into the running environment: brainsmith-core "
        "and the other installed plugins are held at their versions, so the newest release "
        "of each plugin that fits them is chosen; when none fits, nothing is changed.",
    )
    install.add_argument("specs", metavar="SPEC", nargs="+", help="requirement or wheel path")
    install.add_argument(
        "-f", "--find-links", action="append", default=[], metavar="URL|DIR", help="passed on"
    )
    install.add_argument("-i", "--index-url", metavar="URL", help="passed on")
    install.add_argument("--no-index", action="store_true", help="passed on")
    install.set_defaults(run=_install)

    uninstall = sub.add_parser("uninstall", help="uninstall plugins by namespace or distribution")
    uninstall.add_argument("names", metavar="NAME", nargs="+")
    uninstall.set_defaults(run=_uninstall)


def _new(args: argparse.Namespace) -> int:
    from ..plugins import scaffold_plugin

    folder, files = scaffold_plugin(args.name, args.kind, Path(args.output))
    print(f"wrote {folder}:")
    for file in files:
        print(f"  {file}")
    print(
        f"\nnext: cd {folder} && pip install -e '.[test]' && pytest && "
        "brainsmith plugins validate ."
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from ..plugins import validate_plugin

    result = validate_plugin(args.subject)
    if args.json:
        args.document_out.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        for finding in result.findings:
            print(finding)
        label = f"{result.distribution} {result.version}"
        count = len(result.findings)
        print(f"{'OK' if result.ok else 'FAILED'}: {label}, {count} finding(s)")
    return 0 if result.ok else 1


def _install(args: argparse.Namespace) -> int:
    from ..plugins import install_plugins

    installed = install_plugins(
        args.specs, find_links=args.find_links, index_url=args.index_url, no_index=args.no_index
    )
    for skipped in installed.skipped:
        print(f"skipped (installed, did not fit, taken back): {skipped}")
    for change in installed.changes:
        print(change)
    if not installed.changes:
        print("nothing to change: the requested plugins are installed")
    return _verdict({c.distribution for c in installed.changes if c.after})


def _uninstall(args: argparse.Namespace) -> int:
    from ..plugins import uninstall_plugins

    for change in uninstall_plugins(args.names):
        print(change)
    return 0


def _verdict(distributions: set[str]) -> int:
    """Print ``plugins check``'s verdict on the plugins of ``distributions``, run in a fresh
    process (the environment changed, and a hostile plugin must not take this one down);
    1 when one of them is not usable."""
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "brainsmith.cli", "plugins", "check", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print(f"plugins check failed:\n{result.stderr.strip()}", file=sys.stderr)
        return 1
    status = 0
    for plugin in report.get("plugins", []):
        if _canonical(plugin.get("distribution") or "") not in distributions:
            continue
        print(
            f"check: {plugin['namespace']} ({plugin['distribution']} {plugin['version']}): "
            f"{plugin['state']}"
        )
        for problem in plugin.get("problems", []):
            print(f"  {problem['severity']}: {problem['reason']}")
            if problem.get("fix"):
                print(f"    fix: {problem['fix']}")
        if plugin["state"] not in ("active", "not activated"):
            status = 1
    return status


def _canonical(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()
