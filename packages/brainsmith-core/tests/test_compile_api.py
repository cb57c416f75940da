"""``brainsmith.compile_model`` driven as a Python user would: hook objects live for one
compile only, and wrong argument types are messages, never tracebacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from brainsmith import Session, compile_model, hookimpl
from brainsmith.errors import BrainsmithError
from brainsmith.examples import example_model


class Recorder:
    def __init__(self) -> None:
        self.begun: list[str] = []

    @hookimpl
    def on_compile_begin(self, output_dir: Path) -> None:
        self.begun.append(Path(output_dir).name)


def test_hook_objects_live_for_one_compile(tmp_path: Path) -> None:
    session = Session.from_environment()
    first, second = Recorder(), Recorder()
    compile_model(example_model(), output_dir=tmp_path / "a", session=session, plugins=[first])
    compile_model(example_model(), output_dir=tmp_path / "b", session=session)
    compile_model(example_model(), output_dir=tmp_path / "c", session=session, plugins=[second])
    assert first.begun == ["a"]  # not called for b or c
    assert second.begun == ["c"]


class Misspelled:
    @hookimpl
    def on_compile_start(self) -> None: ...


class WrongArgument:
    @hookimpl
    def on_compile_begin(self, outdir: Path) -> None: ...


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        ("abc", "plugins must be a list of objects with @hookimpl methods, got str"),
        ([object()], r"plugins\[0\] \(object\) implements no hook"),
        (
            [Misspelled()],
            r"no hook named 'on_compile_start' \(did you mean .*'on_compile_begin'",
        ),
        ([WrongArgument()], r"(?s)plugins\[0\] \(WrongArgument\): .*'outdir'.*not be found"),
    ],
)
def test_bad_hook_objects_are_named(tmp_path: Path, plugins: Any, message: str) -> None:
    session = Session.from_environment()
    with pytest.raises(BrainsmithError, match=message):
        compile_model(example_model(), output_dir=tmp_path / "x", session=session, plugins=plugins)
    compile_model(example_model(), output_dir=tmp_path / "y", session=session)  # nothing stayed


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"output_dir": None}, "output_dir must be a path, got NoneType"),
        ({"tolerance": "x"}, "tolerance must be a number >= 0, got 'x'"),
        ({"tolerance": -1.0}, "tolerance must be a number >= 0"),
        ({"seed": "x", "verify": True}, "seed must be an integer >= 0, got 'x'"),
        (
            {"run_config": {"plugins": {}}},
            "run_config must be a file path or a RunConfig, got dict",
        ),
        ({"verify": "gates"}, "verify='gates' is not a verification mode"),
        ({"target": {"fsp": 10}}, "target: unknown field\\(s\\) 'fsp'"),
        ({"target": {"fps": -3}}, "target: fps: expected a positive number"),
        ({"target": {"fps": True}}, "target: fps: expected a positive number, got True"),
        ({"target": {"cycles_per_frame": True}}, "cycles_per_frame: expected a positive integer"),
    ],
)
def test_wrong_arguments_are_messages(
    tmp_path: Path, arguments: dict[str, Any], message: str
) -> None:
    arguments.setdefault("output_dir", tmp_path / "out")
    with pytest.raises(BrainsmithError, match=message):
        compile_model(example_model(), **arguments)
    assert not (tmp_path / "out").exists()


def test_a_model_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    with pytest.raises(BrainsmithError, match="cannot compile a int"):
        compile_model(3, output_dir=tmp_path / "out")
