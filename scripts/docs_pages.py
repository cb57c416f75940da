"""Generated pages of the documentation site, and the MkDocs hook that adds them to the build.

- ``reference/cli.md``: every ``brainsmith`` command, from the argparse parsers the command runs
  (:func:`brainsmith.cli.build_parser`), so the reference is the parser.
- ``troubleshooting.md``: every error code with its cause and fix, from the error catalogue the
  code uses (:func:`brainsmith.errors.catalogue`), so the page and the messages cannot drift.

``mkdocs.yml`` lists this file under ``hooks:``; MkDocs calls :func:`on_files`, which adds the
pages to the build without writing them into ``docs/``. ``python scripts/docs_pages.py OUT``
writes them into ``OUT`` to read them without MkDocs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

GENERATED = ("reference/cli.md", "troubleshooting.md")
"""The pages this module generates, relative to the docs folder."""

_CLI_INTRO = """\
# Command-line reference

Generated from the argument parsers of the `brainsmith` command itself (`brainsmith.cli`),
so it always matches the installed version: `brainsmith COMMAND --help` prints the same.
How the commands fit together is in [The command line](../cli.md).

Exit statuses: `0` success, `1` the command found problems or a tool failed, `2` bad input.
Every error prints the code of its [troubleshooting](../troubleshooting.md) entry.
"""

_TROUBLE_INTRO = """\
# Troubleshooting

Every error brainsmith reports prints one message naming what is wrong, where (file and
field, plugin and distribution, stage and transform) and a `fix:` line, then the code of its
entry below:

```text
error: no plugin with namespace 'mff' is installed (did you mean 'mf'?)
  fix: run 'brainsmith plugins list' to see the installed plugins
  explain: brainsmith explain BS103
```

`brainsmith explain CODE` prints the entry in the terminal. This page is generated from the
same catalogue (`brainsmith/_catalogue.py`) the code reads, and a unit test checks that every
error class has an entry. Add `--traceback` (or set `BRAINSMITH_TRACEBACK=1`) to see where in
the code an error was raised. Exit status `1` means the input was fine but a plugin, hook or
tool failed; `2` means bad input.
"""


def cli_reference() -> str:
    """The command-line reference page (Markdown)."""
    from brainsmith.cli import build_parser

    parts = [_CLI_INTRO]
    for path, parser in _commands(build_parser(), ("brainsmith",)):
        parts.append(_command_section(path, parser))
    return "\n".join(parts)


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...]
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:  # argparse has no public accessor for sub-commands
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if not sub.description and helps.get(name):
                    sub.description = str(helps[name])[:1].upper() + str(helps[name])[1:] + "."
                found.extend(_commands(sub, (*path, name)))
    return found


def _command_section(path: tuple[str, ...], parser: argparse.ArgumentParser) -> str:
    level = "#" * min(len(path) + 1, 4)
    lines = [f"{level} `{' '.join(path)}`", ""]
    if parser.description:
        lines += [_escape(parser.description), ""]
    usage = parser.format_usage().removeprefix("usage: ").strip()
    lines += ["```text", usage, "```", ""]
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        names = (
            ", ".join(f"`{s}`" for s in action.option_strings)
            or f"`{action.metavar or action.dest}`"
        )
        if action.option_strings and action.nargs != 0:
            names += f" `{action.metavar or action.dest.upper()}`"
        text = _escape(action.help or "")
        if action.choices:
            text += " (one of " + ", ".join(f"`{c}`" for c in action.choices) + ")"
        if action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
            text += f" (default `{action.default}`)"
        rows.append(f"| {names} | {text} |")
    if rows:
        lines += ["| argument | meaning |", "| --- | --- |", *rows, ""]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def troubleshooting() -> str:
    """The troubleshooting page (Markdown): every catalogue entry, by code."""
    from brainsmith.errors import catalogue

    parts = [_TROUBLE_INTRO, "| code | error | exit |", "| --- | --- | --- |"]
    entries = catalogue()
    parts += [f"| [{e.code}](#{e.code.lower()}) | {e.title} | {e.exit_code} |" for e in entries]
    for entry in entries:
        parts += [
            "",
            f"## {entry.code}: {entry.title} {{#{entry.code.lower()}}}",
            "",
            f"Raised as `{entry.error}`; exit status {entry.exit_code}.",
            "",
            f"**Cause.** {entry.cause}",
            "",
            f"**Fix.** {entry.fix}",
        ]
    return "\n".join(parts) + "\n"


def pages() -> dict[str, str]:
    """Every generated page: path relative to the docs folder → Markdown."""
    return {"reference/cli.md": cli_reference(), "troubleshooting.md": troubleshooting()}


def on_files(files: Any, config: Any) -> Any:
    """MkDocs hook: add the generated pages to the site's files."""
    from mkdocs.structure.files import File

    for path, text in pages().items():
        files.append(File.generated(config, path, content=text))
    return files


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/docs-pages")
    for relative, text in pages().items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8")
        print(out / relative)
