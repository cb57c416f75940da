"""``brainsmith plugins``: list, show, check and lock the installed plugins.

The JSON shapes are documented in docs/cli.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .output import format_table

if TYPE_CHECKING:
    from ..plugins.records import PluginRecord
    from ..plugins.session import Session
    from ..plugins.verdicts import Problem, Verdict


def register(commands: Any, summary: str) -> None:
    """Add the ``plugins`` command group, ``summary`` its one-line help."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--strict",
        action="store_true",
        help="exit non-zero on any problem, warnings included (also: strict = true in "
        "[tool.brainsmith])",
    )
    parser = commands.add_parser(
        "plugins",
        help=summary,
        description="Inspect the plugins installed in this environment (entry points of the "
        "'brainsmith.plugins' group). Listing and checking read metadata and manifests only.",
    )
    sub = parser.add_subparsers(dest="plugins_command", metavar="COMMAND", required=True)

    show_list = sub.add_parser(
        "list", parents=[common], help="every plugin with its state and component counts"
    )
    show_list.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")
    show_list.add_argument(
        "--activate",
        action="store_true",
        help="import code-defined plugins too, so their components are counted",
    )
    show_list.set_defaults(run=_list)

    show = sub.add_parser(
        "show", parents=[common], help="one plugin's components, constraints and location"
    )
    show.add_argument("namespace", metavar="NAME", help="the plugin's namespace")
    show.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")
    show.set_defaults(run=_show)

    check = sub.add_parser(
        "check",
        parents=[common],
        help="exit 0 only if every pin is met and every plugin is compatible (for CI)",
    )
    check.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")
    check.add_argument(
        "--activate",
        action="store_true",
        help="also import every plugin: hook implementations checked against the hookspecs, "
        "component targets against their kinds (runs plugin code)",
    )
    check.set_defaults(run=_check)

    lock = sub.add_parser(
        "lock",
        parents=[common],
        help="pin every usable plugin distribution to its exact version",
        description="Print (or write) requirement lines pinning brainsmith-core and every "
        "usable plugin distribution to its installed version; 'pip install -r FILE' "
        "reproduces the environment. Fails (exit 1, nothing written) when a pin of the "
        "project settings is unmet, or under --strict on any problem; a broken or "
        "incompatible plugin is never pinned.",
    )
    lock.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    lock.set_defaults(run=_lock)

    from . import plugins_kit

    plugins_kit.register(sub)


def _session(args: argparse.Namespace) -> Session:
    """The one plugin selection, as every command (compile too) makes it."""
    from ..plugins.session import Session

    return Session.from_environment(strict=args.strict)


def _exit_status(session: Session, problems: tuple[Problem, ...]) -> int:
    """1 under --strict (or strict = true) when any error or warning was found, else 0."""
    counted = [p for p in problems if p.severity != "info"]
    return 1 if counted and session.settings.strict else 0


def _list(args: argparse.Namespace) -> int:
    if args.json and not args.activate:  # answered from the discovery cache when it holds
        from ..plugins import list_plugins

        listing = list_plugins(strict=args.strict)
        _print_json(listing.document, args.document_out)
        return 1 if listing.failed else 0
    session = _session(args)
    if args.activate:
        session.check()  # what check finds statically shows in the states too
        session.activate_all()
    verdicts = session.verdicts()
    problems = session.problems()
    lifecycle = _lifecycle_rows(session) if args.activate else None
    if args.json:
        _print_json(
            {
                **_header(session),
                "plugins": [v.to_json() for v in verdicts],
                "problems": [p.to_json() for p in problems],
                "ok": not any(p.severity == "error" for p in problems),
                **({"lifecycle_plugins": lifecycle} if lifecycle is not None else {}),
            },
            args.document_out,
        )
    else:
        rows = [_verdict_row(v) for v in verdicts]
        print(
            format_table(
                [
                    "NAMESPACE",
                    "DISTRIBUTION",
                    "VERSION",
                    "STATE",
                    "TRANSFORMS",
                    "KERNELS",
                    "BACKENDS",
                    "HW_TRANSFORMS",
                    "SOURCE",
                ],
                rows,
            )
            if rows
            else "no plugins installed (entry-point group 'brainsmith.plugins' is empty)"
        )
        _print_lifecycle(lifecycle)
        _print_problems(problems)
    return _exit_status(session, problems)


def _show(args: argparse.Namespace) -> int:
    from ..errors import PluginError
    from ..plugins.records import Form
    from ..plugins.verdicts import State

    session = _session(args)
    verdict = session.resolution.verdict(args.namespace)
    if verdict is None:
        from .._suggest import did_you_mean

        known = [v.namespace for v in session.verdicts()]
        raise PluginError(
            f"no plugin with namespace {args.namespace!r} is installed"
            + did_you_mean(args.namespace, known),
            fix="run 'brainsmith plugins list' to see the installed plugins",
        )
    record = verdict.record
    static = record is not None and record.form is Form.DIRECTORY and record.components is not None
    if (
        verdict.state.usable
        and not static  # a directory plugin's components are known unrun
        and not any(p.severity == "error" for p in session.static_check(args.namespace))
    ):  # what check finds statically, show finds too (the plugin's state: broken)
        with contextlib.suppress(PluginError):  # a failure shows as the plugin's state
            session.activate(args.namespace)
    index = session.resolution.verdicts.index(verdict)
    verdict = session.verdicts()[index]  # updated by the activation
    record = verdict.record
    components = []
    if record is not None and record.components:
        components = [_spec_json(record, s) for s in record.components]
    data = {**verdict.to_json(), "components": components}
    if verdict.state.usable:
        from ..compile import plugin_blueprints

        shipped = plugin_blueprints(session, verdict.namespace)
        data["blueprints"] = sorted(f"{ns}:{n}" for ns, n in shipped)
    if verdict.state is State.ACTIVE:
        label = session.describe(verdict.namespace)
        data["lifecycle_plugins"] = [r for r in _lifecycle_rows(session) if r["source"] == label]
    # the selection's other problems (settings, pins, other plugins) are shown too: under
    # strict they fail show as they fail every command
    own = verdict.problems
    elsewhere = tuple(p for p in session.problems() if p not in own and p.severity != "info")
    data["other_problems"] = [p.to_json() for p in elsewhere]
    if args.json:
        _print_json(data, args.document_out)
    else:
        _print_show(data)
        _print_lifecycle(data.get("lifecycle_plugins"))
        _print_problems(own + elsewhere)
    return _exit_status(session, own + elsewhere)


def _check(args: argparse.Namespace) -> int:
    session = _session(args)
    problems = session.check(activate=args.activate)
    errors = [p for p in problems if p.severity == "error"]
    failed = bool(errors) or (bool(problems) and session.settings.strict)
    if args.json:
        _print_json(
            {
                **_header(session),
                "ok": not failed,
                "plugins": [v.to_json() for v in session.verdicts()],
                "problems": [p.to_json() for p in problems],
            },
            args.document_out,
        )
    else:
        usable = sum(v.state.usable for v in session.verdicts())
        _print_problems(problems)
        verdict_text = "FAILED" if failed else "OK"
        print(
            f"{verdict_text}: {usable} plugin(s) usable, {len(errors)} error(s), "
            f"{len(problems) - len(errors)} warning(s)"
            + (f"; settings from {session.settings.source}" if session.settings.source else "")
        )
    return 1 if failed else 0


def _lock(args: argparse.Namespace) -> int:
    from .._version import CORE_DISTRIBUTION, __version__
    from ..plugins.records import Form

    session = _session(args)
    problems = session.check()  # activates code-defined plugins: a broken one is never pinned
    unmet = [p for p in problems if p.code == "pin"]
    failing = list(problems) if session.settings.strict else unmet
    if failing:
        print(
            f"error: not locking: {len(failing)} problem(s)"
            + (" under strict mode" if session.settings.strict else ": unmet pin(s)"),
            file=sys.stderr,
        )
        for problem in failing:
            print(f"  {problem.one_line()}", file=sys.stderr)
        print(
            "  fix: install what the pins ask for, or change the pins; then lock again",
            file=sys.stderr,
        )
        return 1
    left_out = session.unusable(problems)
    pinned = {CORE_DISTRIBUTION: __version__}
    for record in session.active_plugins():
        if record.namespace not in left_out and record.form is not Form.DIRECTORY:
            pinned.setdefault(record.distribution, record.version)
    from .._distributions import direct_url

    # installed from an archive URL or a VCS checkout: '==version' cannot say it, the URL can
    sources = {name: url for name in pinned if (url := direct_url(name)) is not None}
    for line in session.left_out():
        print(f"warning: {line}", file=sys.stderr)
    lines = ["# brainsmith plugins lock: pip install -r this file to reproduce the plugins"]
    lines += [
        f"{name} @ {sources[name]}  # {version}" if name in sources else f"{name}=={version}"
        for name, version in sorted(pinned.items())
    ]
    text = "\n".join(lines) + "\n"
    if args.output:
        from .._atomic import write_atomic

        write_atomic(args.output, text)
        print(f"wrote {len(pinned)} pins to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# -- presentation ------------------------------------------------------------------------------


def _header(session: Session) -> dict[str, Any]:
    from .._version import PLUGIN_API, __version__

    return {
        "core": {"version": __version__, "plugin_api": PLUGIN_API},
        "settings": session.settings.source or None,
    }


def _spec_json(record: PluginRecord, spec: Any) -> dict[str, Any]:
    from ..plugins.registry import Component

    return Component(spec, record).to_json()


def _verdict_row(verdict: Verdict) -> list[str]:
    counts = verdict.to_json()["components"]
    numbers = [str(n) for n in counts.values()] if counts is not None else ["?", "?", "?", "?"]
    return [
        verdict.namespace,
        verdict.distribution or "-",
        verdict.version or "-",
        str(verdict.state),
        *numbers,
        verdict.record.source if verdict.record else "-",
    ]


def _print_show(data: dict[str, Any]) -> None:
    owner = f"{data['distribution']} {data['version']}".strip() or f"folder {data['location']}"
    print(f"{data['namespace']}  ({owner})  [{data['state']}]")
    print(f"  form:        {data['form']}")
    print(f"  source:      {data['source']}")
    print(f"  entry point: {data['entry_point']}")
    print(f"  location:    {data['location']}")
    constraints = data["constraints"] or {}
    for key in ("core", "api", "requires", "conflicts", "hooks"):
        value = constraints.get(key)
        if value:
            shown = ", ".join(value) if isinstance(value, list) else value
            print(f"  {key + ':':<12} {shown}")
    if data.get("blueprints"):
        print(f"  blueprints:  {', '.join(data['blueprints'])}  (compile -b NAME)")
    if data["components"]:
        rows = [
            [c["kind"], c["qualified_name"], _detail(c), c["target"]] for c in data["components"]
        ]
        print()
        print(format_table(["KIND", "NAME", "DETAIL", "TARGET"], rows))
    elif data["state"] == "not activated":
        print("  components:  unknown until activated")


def _detail(component: dict[str, Any]) -> str:
    if "stage" in component:
        return f"stage={component['stage']}"
    if "language" in component:
        return f"kernel={component['kernel']} language={component['language']}"
    if "kernels" in component:
        return "kernels=" + ",".join(component["kernels"])
    return "infrastructure" if component.get("infrastructure") else ""


def _lifecycle_rows(session: Session) -> list[dict[str, str]]:
    """The stateful lifecycle plugins (brainsmith.LifecyclePlugin) of the activated plugins."""
    from .._guard import plugin_output
    from ..lifecycle import Dispatcher, LifecycleHost

    host = LifecycleHost(Dispatcher(session.plugin_manager, describe=session.describe))
    with plugin_output():  # collecting calls the plugins' hooks: their prints go to stderr
        host.collect()
    return host.rows()


def _print_lifecycle(rows: list[dict[str, str]] | None) -> None:
    if not rows:
        return
    print()
    print("lifecycle plugins:")
    columns = ["name", "version", "state", "enabled", "source", "requires", "conflicts"]
    table = [[row[c] or "-" for c in columns] for row in rows]
    print(format_table([c.upper() for c in columns], table))


def _print_problems(problems: tuple[Problem, ...]) -> None:
    if not problems:
        return
    print()
    print("problems:")
    for problem in problems:
        for line in str(problem).splitlines():
            print(f"  {line}")


def _print_json(data: Any, output: TextIO) -> None:
    output.write(json.dumps(data, indent=2) + "\n")  # one write, not one per token
