"""The documentation site's generated pages and its link check: the CLI reference is the parser,
the troubleshooting page is the error catalogue, every page is in the navigation, and the link
checker finds broken internal links and anchors. (``nox -s docs`` builds the real site.)"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from brainsmith.cli import build_parser
from brainsmith.errors import catalogue

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def commands(parser: argparse.ArgumentParser, path: str) -> dict[str, argparse.ArgumentParser]:
    found = {path: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(commands(sub, f"{path} {name}"))
    return found


def test_the_cli_reference_has_every_command_and_option() -> None:
    page = script("docs_pages").cli_reference()
    every = commands(build_parser(), "brainsmith")
    assert {"brainsmith plugins list", "brainsmith compile", "brainsmith explain"} <= set(every)
    for path, parser in every.items():
        section = page.split(f"`{path}`\n", 1)
        assert len(section) == 2, f"no section for {path}"
        body = re.split(r"\n#+ `brainsmith", section[1], maxsplit=1)[0]
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}`" in body, f"{path}: {option} missing"


def test_the_troubleshooting_page_is_the_catalogue() -> None:
    page = script("docs_pages").troubleshooting()
    for entry in catalogue():
        heading = f"## {entry.code}: {entry.title} {{#{entry.code.lower()}}}"
        assert heading in page
        section = page.split(heading, 1)[1].split("\n## ", 1)[0]
        assert f"`{entry.error}`" in section and entry.cause in section and entry.fix in section


def test_every_page_is_in_the_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    listed = set(re.findall(r":\s*([\w/-]+\.md)\s*$", config, re.MULTILINE))
    generated = set(script("docs_pages").GENERATED)
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert on_disk | generated == listed
    assert not on_disk & generated, "a generated page must not also be a file"


def test_the_link_checker_finds_broken_links_and_anchors(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "guide").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "assets" / "style.css").write_text("")
    (site / "index.html").write_text(
        '<link href="assets/style.css" rel="stylesheet">'
        '<a href="guide/">ok</a> <a href="guide/#setup">ok</a> <a href="#top">ok</a>'
        '<a id="top"></a><a href="https://example.org/x">external</a>'
        '<a href="missing/">broken</a> <a href="guide/#nowhere">broken anchor</a>'
        '<img src="/assets/logo.png"> <a href="../../etc/passwd">outside</a>'
    )
    (site / "guide" / "index.html").write_text('<h2 id="setup">Set up</h2><a href="../">up</a>')
    checker = script("check_site_links")
    assert checker.broken_links(site) == [
        "index.html: ../../etc/passwd (leaves the site)",
        "index.html: /assets/logo.png (no such file)",
        "index.html: guide/#nowhere (no anchor #nowhere on guide/index.html)",
        "index.html: missing/ (no such file)",
    ]
    assert checker.main([str(site)]) == 1
    (site / "index.html").write_text('<a href="guide/#setup">ok</a>')
    assert checker.main([str(site)]) == 0


def test_the_link_checker_needs_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert script("check_site_links").main([]) == 2
    assert "usage: check_site_links.py SITE_DIR" in capsys.readouterr().err
