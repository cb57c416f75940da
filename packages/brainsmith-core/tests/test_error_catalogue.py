"""The error catalogue: every error class of both packages has one entry (stable code, cause,
fix, exit status); the CLI points at it under every error and ``brainsmith explain`` prints it."""

from __future__ import annotations

import importlib
import pkgutil
import re
import warnings

import pytest
from brainsmith.cli import main
from brainsmith.errors import BrainsmithError, catalogue, explain


def all_error_classes() -> list[type[BrainsmithError]]:
    """Every BrainsmithError subclass defined in brainsmith or brainsmith_builtin, after
    importing every module of both (``__main__`` modules aside)."""
    for top in ("brainsmith", "brainsmith_builtin"):
        package = importlib.import_module(top)
        for info in pkgutil.walk_packages(package.__path__, f"{top}."):
            if not info.name.endswith("__main__"):
                with warnings.catch_warnings():  # the deprecated aliases say so on import
                    warnings.simplefilter("ignore", DeprecationWarning)
                    importlib.import_module(info.name)
    found: list[type[BrainsmithError]] = []
    pending: list[type[BrainsmithError]] = [BrainsmithError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [c for c in found if c.__module__.split(".")[0] in ("brainsmith", "brainsmith_builtin")]


def path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_every_error_class_has_its_own_entry() -> None:
    classes = [c for c in all_error_classes() if not c.__name__.startswith("_")]
    entries = {entry.error: entry for entry in catalogue()}
    missing = sorted(path(c) for c in classes if path(c) not in entries)
    assert missing == [], "add these to brainsmith/_catalogue.py"
    wrong_exit = {
        path(c): (c.exit_code, entries[path(c)].exit_code)
        for c in classes
        if c.exit_code != entries[path(c)].exit_code
    }
    assert wrong_exit == {}
    assert len(classes) >= 30


def test_every_entry_names_a_real_class_and_a_unique_code() -> None:
    codes = [entry.code for entry in catalogue()]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"BS[1-5]\d\d", code) for code in codes)
    assert codes == sorted(codes)
    for entry in catalogue():
        module, _, name = entry.error.rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        assert issubclass(cls, BrainsmithError)
        assert explain(cls) == entry == explain(entry.code.lower())
        assert entry.title and entry.cause.endswith(".") and entry.fix.endswith(".")


def test_an_error_knows_its_code_and_subclasses_inherit_the_nearest() -> None:
    from brainsmith.errors import ConfigError

    class Unlisted(ConfigError):
        pass

    assert ConfigError("x").code == "BS101"
    assert Unlisted("x").code == "BS101"
    assert BrainsmithError("x").code == "BS100"


def test_the_cli_points_at_the_entry_and_explain_prints_it(
    capsys: pytest.CaptureFixture[str], tmp_path: pytest.TempPathFactory
) -> None:
    assert main(["compile", "no-such-model.onnx", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    code = re.search(r"^  explain: brainsmith explain (BS\d+)$", err, re.MULTILINE)
    assert code is not None, err
    assert code.group(1) == "BS202"

    assert main(["explain", code.group(1)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BS202: Input model cannot be read")
    assert "cause: The model path does not exist" in out and "\nfix: " in out

    assert main(["explain", "--json", "bs202"]) == 0
    assert '"error": "brainsmith.compile._inputs.ModelError"' in capsys.readouterr().out

    assert main(["explain"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["CODE", "EXIT", "ERROR"]
    assert len(listing) == len(catalogue()) + 1


def test_explain_an_unknown_code_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "BS999"]) == 2
    err = capsys.readouterr().err
    assert "no error code 'BS999' in the catalogue" in err and "BS101" in err
    assert "Traceback" not in err
