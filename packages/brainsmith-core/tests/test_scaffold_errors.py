"""``brainsmith plugins new`` refuses, without a traceback, what cannot become a project: a name
that would give an invalid distribution name, an output "folder" that is a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from brainsmith.cli import main


@pytest.mark.parametrize("name", ["a_", "my__plugin", "x_1_"])
def test_a_name_giving_an_invalid_distribution_name_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plugins", "new", name, "-o", str(tmp_path)]) == 2
    assert "cannot be a plugin namespace" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("mine")

    assert main(["plugins", "new", "demo", "-o", str(file)]) == 2
    err = capsys.readouterr().err
    assert "the output folder is a file" in err and str(file) in err and "fix:" in err
    assert file.read_text() == "mine"
