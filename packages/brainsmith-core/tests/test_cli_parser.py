"""The command builds only the parser of the command group it runs (the others are one-line
placeholders), and what a user sees is the same as from the full parser the command-line
reference is generated from: ``--help`` at every level, usage errors, invalid choices."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from brainsmith.cli import COMMAND_GROUPS, build_parser


def _helps(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> dict[str, str]:
    found = {" ".join(path): parser.format_help()}
    for action in parser._actions:  # argparse has no public accessor for sub-commands
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_helps(sub, (*path, name)))
    return found


def _subtree(helps: dict[str, str], group: str) -> dict[str, str]:
    return {k: v for k, v in helps.items() if k == group or k.startswith(group + " ")}


def test_a_group_built_alone_helps_as_the_full_parser() -> None:
    full = _helps(build_parser(), ())
    assert set(COMMAND_GROUPS) == {k for k in full if k and " " not in k}
    for group in COMMAND_GROUPS:
        alone = _helps(build_parser([group, "--json"]), ())
        assert alone[""] == full[""]
        assert _subtree(alone, group) == _subtree(full, group)
        assert len(_subtree(full, group)) > 0
        others = [g for g in COMMAND_GROUPS if g != group]
        assert all(list(_subtree(alone, g)) == [g] for g in others)  # placeholders only


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        [],
        ["plgins", "list"],
        ["--traceback", "plugins", "lst"],
        ["plugins", "list", "--bogus"],
        ["explain", "--help"],
        ["hooks"],
        ["-", "plugins"],
    ],
)
def test_usage_errors_and_help_are_those_of_the_full_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    printed = []
    for parser in (build_parser(), build_parser(argv)):
        with pytest.raises(SystemExit) as exited:
            parser.parse_args(argv)
        printed.append((exited.value.code, capsys.readouterr()))
    assert printed[0] == printed[1]


def test_running_a_command_imports_no_other_group() -> None:
    code = (
        "import sys\n"
        "from brainsmith.cli import main\n"
        "main(['explain', 'BS101'])\n"
        "print('MODULES', *sorted(sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    modules = set(result.stdout.rpartition("MODULES ")[2].split())
    assert "brainsmith.cli.explain" in modules
    groups = {f"brainsmith.cli.{g}" for g in COMMAND_GROUPS if g != "explain"}
    assert modules & (groups | {"brainsmith.compile", "brainsmith.plugins"}) == set()
