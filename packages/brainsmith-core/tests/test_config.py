"""Project settings ([tool.brainsmith] / brainsmith.toml) and environment switches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from brainsmith.errors import ConfigError
from brainsmith.plugins._settings import (
    DEFAULT_PRIORITY,
    Settings,
    find_project_file,
    load_settings,
)

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import ProjectDir


def test_no_settings_anywhere(tmp_path: Path) -> None:
    assert load_settings(tmp_path, {}) == Settings()
    assert Settings().priority == DEFAULT_PRIORITY == ("builtin", "qonnx", "finn")


def test_walks_up_to_the_nearest_pyproject(project_dir: ProjectDir) -> None:
    project_dir.write(
        """
        plugins = ["brainsmith-plugin-x>=1.2,<2", "other==1"]
        only-pinned = true
        disable = ["legacy"]
        priority = ["x", "builtin"]
        strict = true
        """
    )
    deep = project_dir.path / "src" / "deep"
    deep.mkdir(parents=True)
    # a pyproject.toml without [tool.brainsmith] on the way up is skipped
    (project_dir.path / "src" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    settings = load_settings(deep, {})
    assert settings == Settings(
        source=str(project_dir.pyproject),
        pins=("brainsmith-plugin-x>=1.2,<2", "other==1"),
        only_pinned=True,
        disable=("legacy",),
        priority=("x", "builtin"),
        strict=True,
    )


def test_brainsmith_toml_alternative(project_dir: ProjectDir) -> None:
    child = project_dir.path / "child"
    child.mkdir()
    own = child / "brainsmith.toml"
    own.write_text('disable = ["a"]\n')
    assert load_settings(child, {}).disable == ("a",)
    assert load_settings(child, {}).source == str(own)
    # in one folder, brainsmith.toml wins over pyproject.toml
    same = project_dir.path / "brainsmith.toml"
    same.write_text("strict = true\n")
    found = find_project_file(project_dir.path)
    assert found == (same, {"strict": True})


def test_unknown_keys_are_errors(project_dir: ProjectDir) -> None:
    project_dir.write("plugin = []\nonly_pinned = true\n")
    with pytest.raises(ConfigError) as info:
        load_settings(project_dir.path, {})
    error = info.value
    assert error.where == f"{project_dir.pyproject} [tool.brainsmith]"
    assert error.message == (
        "unknown setting(s) 'only_pinned' (did you mean 'only-pinned'?), "
        "'plugin' (did you mean 'plugins', 'plugin-dirs', 'user-plugins'?)"
    )
    assert error.fix == (
        "use one of: plugins, only-pinned, disable, priority, strict, plugin-dirs, user-plugins"
    )


def test_unknown_key_in_brainsmith_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "brainsmith.toml").write_text("bogus = 1\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {})
    assert info.value.where == str(tmp_path / "brainsmith.toml")


def test_bad_pin_string(project_dir: ProjectDir) -> None:
    project_dir.write('plugins = ["brainsmith-plugin-x>>1"]\n')
    with pytest.raises(ConfigError) as info:
        load_settings(project_dir.path, {})
    assert info.value.where == f"{project_dir.pyproject}:5 [tool.brainsmith]: plugins"
    assert info.value.message.startswith("'brainsmith-plugin-x>>1' is not a PEP 508 requirement (")
    assert info.value.fix.startswith('write plugins = ["brainsmith-plugin-x>=1.2,<2"] (pins: ')


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ('plugins = "x"\n', "plugins", "expected a list of strings, got str 'x'"),
        ("disable = [1]\n", "disable[0]", "expected a string, got int 1"),
        ('priority = "x"\n', "priority", "expected a list of strings, got str 'x'"),
        ('only-pinned = "yes"\n', "only-pinned", "expected true or false, got str 'yes'"),
        ("strict = 1\n", "strict", "expected true or false, got int 1"),
    ],
)
def test_bad_values(project_dir: ProjectDir, body: str, field: str, message: str) -> None:
    project_dir.write(body)
    with pytest.raises(ConfigError) as info:
        load_settings(project_dir.path, {})
    assert info.value.where == f"{project_dir.pyproject}:5 [tool.brainsmith]: {field}"
    assert info.value.message == message
    assert info.value.fix.startswith(f"write {field.partition('[')[0]} = ")  # the correct form


def test_tool_brainsmith_must_be_a_table_and_toml_must_parse(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool]\nbrainsmith = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {})
    assert (info.value.where, info.value.message) == (
        str(path),
        "[tool.brainsmith] must be a table",
    )
    path.write_text("[tool.brainsmith\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {})
    assert info.value.message.startswith("cannot read project settings: ")


@pytest.mark.parametrize(
    ("environ", "autoload", "allowlist"),
    [
        ({}, True, None),
        ({"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "1"}, False, ()),
        ({"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "TRUE"}, False, ()),
        ({"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "0"}, True, None),
        ({"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "off"}, True, None),
        ({"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": ""}, True, None),
        (
            {"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "yes", "BRAINSMITH_PLUGINS": "a, b,,"},
            False,
            ("a", "b"),
        ),
        ({"BRAINSMITH_PLUGINS": "builtin"}, True, ("builtin",)),
        ({"BRAINSMITH_PLUGINS": ""}, True, None),  # names nothing: ignored, with a warning
        ({"BRAINSMITH_PLUGINS": " , ,"}, True, None),
        ({"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "1", "BRAINSMITH_PLUGINS": ""}, False, ()),
    ],
)
def test_environment_switches(
    tmp_path: Path, environ: dict[str, str], autoload: bool, allowlist: tuple[str, ...] | None
) -> None:
    settings = load_settings(tmp_path, environ)
    assert (settings.autoload, settings.allowlist) == (autoload, allowlist)


def test_bad_autoload_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "maybe"})
    assert str(info.value) == (
        "environment variable BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD='maybe' is neither true nor "
        "false\n  fix: set BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD=1"
    )


def test_defaults_to_process_environment_and_cwd(
    project_dir: ProjectDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_dir.write("strict = true\n")
    monkeypatch.chdir(project_dir.path)
    monkeypatch.setenv("BRAINSMITH_PLUGINS", "x")
    settings = load_settings()
    assert (settings.strict, settings.allowlist) == (True, ("x",))


def test_keys_the_file_does_not_set_are_unknown(tmp_path: Path) -> None:
    (tmp_path / "brainsmith.toml").write_text("autoload = false\nsource = 'x'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, {})
    assert info.value.message.startswith("unknown setting(s) 'autoload', 'source'")
    assert info.value.where == str(tmp_path / "brainsmith.toml")
