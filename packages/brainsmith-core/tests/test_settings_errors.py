"""A setting of the wrong type (issue 8, item 5): for every key of the settings schema, the
error names the file, the line, the key and the expected type, and its fix line is the correct
form — written into the file in place of the bad line, the same command accepts it.

The real CLI, in process, in a project folder with a real ``pyproject.toml`` / ``brainsmith.toml``.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import TYPE_CHECKING

import pytest
from brainsmith.plugins._settings import Settings
from hostile_helpers import install_good, isolate, run

if TYPE_CHECKING:
    from conftest import FakeSite

KEYS = [f.metadata.get("key", f.name) for f in fields(Settings) if f.metadata.get("key", 1)]
FLAGS = {f.metadata.get("key", f.name) for f in fields(Settings) if isinstance(f.default, bool)}
EXPECTED = {True: "expected true or false", False: "expected a list of strings"}
WRONG = {  # the wrong value, as written in the file -> (for a flag, for a list) correct form
    '"yes"': ("true", '["yes"]'),
    "3": (None, None),
    '"off"': ("false", '["off"]'),
}


@pytest.mark.parametrize("file_name", ["pyproject.toml", "brainsmith.toml"])
@pytest.mark.parametrize("wrong", list(WRONG))
@pytest.mark.parametrize("key", KEYS)
def test_a_setting_of_the_wrong_type_names_file_line_key_type_and_the_correct_form(
    site: FakeSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: str,
    wrong: str,
    file_name: str,
) -> None:
    isolate(site, monkeypatch)
    install_good(site)
    file = site.project / file_name
    head = '[project]\nname = "p"\n\n[tool.brainsmith]\n' if file_name == "pyproject.toml" else ""
    lines = [*head.splitlines(), "# the project's plugin settings", f"{key} = {wrong}"]
    file.write_text("\n".join(lines) + "\n")
    result = run(capsys, "plugins", "list")
    assert result.code == 2
    assert "Traceback" not in result.err
    first, fix = result.err.splitlines()[:2]
    section = " [tool.brainsmith]" if file_name == "pyproject.toml" else ""
    assert first.startswith(f"error: {file}:{len(lines)}{section}: {key}: ")
    assert EXPECTED[key in FLAGS] in first
    form = re.fullmatch(r"  fix: write (.+) \(.+\)", fix)
    assert form is not None, fix
    corrected = WRONG[wrong][0 if key in FLAGS else 1]
    if corrected is not None:
        assert form.group(1) == f"{key} = {corrected}"
    assert form.group(1).startswith(f"{key} = ")
    file.write_text("\n".join([*lines[:-1], form.group(1)]) + "\n")  # the fix, as written
    fixed = run(capsys, "plugins", "list")
    assert fixed.code == 0, fixed.err
