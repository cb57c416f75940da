"""Sweep files: grids and listed points expand in order, each point gets a stable id, and every
malformed file is an error naming the place and a fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from brainsmith.sweep import SweepFileError, load_sweep
from brainsmith.sweep._spec import point_id


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_grid_then_points_expand_in_order_over_the_base(tmp_path: Path) -> None:
    spec = load_sweep(
        write(
            tmp_path,
            """
            model: m.onnx
            blueprint: builtin:dataflow
            target: {clock_mhz: 200, fps: 50}
            options:
              builtin:SetFolding: {max_weight_stream_width: 36}
            grid:
              target_fps: [1000, 2000]
              builtin:SpecializeBackends.preferences: [{MVAU: [hls]}, {MVAU: [rtl]}]
            points:
              - {target_cycles: 500, device: xc7z020, blueprint: my.yaml}
            """,
        )
    )
    assert spec.model == tmp_path / "m.onnx"
    assert spec.verify is None
    labels = [p.label() for p in spec.points]
    assert labels == [
        "target_fps=1000 builtin:SpecializeBackends.preferences={MVAU:[hls]}",
        "target_fps=1000 builtin:SpecializeBackends.preferences={MVAU:[rtl]}",
        "target_fps=2000 builtin:SpecializeBackends.preferences={MVAU:[hls]}",
        "target_fps=2000 builtin:SpecializeBackends.preferences={MVAU:[rtl]}",
        "target_cycles=500 device=xc7z020 blueprint=my.yaml",
    ]
    first, last = spec.points[0], spec.points[-1]
    assert first.blueprint == "builtin:dataflow"
    assert first.target == {"clock_mhz": 200, "fps": 1000}
    assert first.options == {
        "builtin:SetFolding": {"max_weight_stream_width": 36},
        "builtin:SpecializeBackends": {"preferences": {"MVAU": ["hls"]}},
    }
    # a point's cycles replace the base's rate; a relative blueprint is the sweep file's
    assert last.target == {"clock_mhz": 200, "cycles_per_frame": 500, "device": "xc7z020"}
    assert last.blueprint == str(tmp_path / "my.yaml")


def test_rates_written_as_yaml_11_strings_are_numbers(tmp_path: Path) -> None:
    spec = load_sweep(write(tmp_path, "model: m.onnx\npoints: [{target_fps: 1.0e9}]\n"))
    assert spec.points[0].target == {"fps": 1.0e9}


def test_ids_are_stable_and_follow_what_the_compile_depends_on(tmp_path: Path) -> None:
    text = "model: m.onnx\ngrid: {target_fps: [1000, 2000]}\n"
    one, two = load_sweep(write(tmp_path, text)).points
    again = load_sweep(write(tmp_path, text)).points[0]
    assert point_id(one, "a" * 64, "b" * 64, None) == point_id(again, "a" * 64, "b" * 64, None)
    ids = {
        point_id(one, "a" * 64, "b" * 64, None),
        point_id(two, "a" * 64, "b" * 64, None),
        point_id(one, "c" * 64, "b" * 64, None),
        point_id(one, "a" * 64, "c" * 64, None),
        point_id(one, "a" * 64, "b" * 64, "python"),
    }
    assert len(ids) == 5
    assert all(len(i) == 12 and int(i, 16) >= 0 for i in ids)


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("model: m.onnx\ngird: {target_fps: [1]}\n", "unknown key(s) 'gird'", "sweep.yaml"),
        ("grid: {target_fps: [1]}\n", "'model' is missing", "sweep.yaml: model"),
        ("model: m.onnx\ngrid: {target_fps: []}\n", "non-empty list", "grid.target_fps"),
        ("model: m.onnx\n", "the sweep has no points", "sweep.yaml"),
        ("model: m.onnx\npoints: [{fps: 1}]\n", "unknown parameter 'fps'", "point 1"),
        (
            "model: m.onnx\npoints: [{target_fps: 1}, {target_fps: 1}]\n",
            "point 2 repeats point 1",
            "sweep.yaml",
        ),
        ("model: m.onnx\ntarget: {speed: 1}\n", "unknown target field 'speed'", "target"),
        ("model: m.onnx\nverify: always\npoints: [{}]\n", "not a verification mode", "verify"),
        ("model: m.onnx\npoints: [\n", "not valid YAML", "sweep.yaml:3:1"),
    ],
)
def test_malformed_files_name_the_place_and_a_fix(
    tmp_path: Path, text: str, message: str, where: str
) -> None:
    with pytest.raises(SweepFileError) as caught:
        load_sweep(write(tmp_path, text))
    assert message in caught.value.message
    assert where in caught.value.where
    assert caught.value.fix
    assert caught.value.exit_code == 2


def test_a_missing_sweep_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(SweepFileError, match="sweep file not found"):
        load_sweep(tmp_path / "nowhere.yaml")


def test_the_documented_example_sweep_loads() -> None:
    example = Path(__file__).resolve().parents[4] / "examples" / "sweep" / "tfc.yaml"
    spec = load_sweep(example)
    assert spec.model.is_file() and len(spec.points) == 17
    assert spec.points[-1].target == {"clock_mhz": 100, "device": "xc7z020", "fps": 1.0e7}
