"""brainsmith.plugins._metadata finds and reads metadata folders as importlib.metadata does:
the same folders in the same order, the same text, the same entry points, the same failures;
zips go to importlib.metadata itself."""

from __future__ import annotations

import importlib.metadata
import os
import zipfile
from pathlib import Path

import pytest
from brainsmith.plugins._metadata import (
    MetadataFolder,
    distributions,
    entry_points,
    folder_of,
    normalize,
)

GROUP = "brainsmith.plugins"


def _folder(site: Path, name: str, files: dict[str, bytes]) -> None:
    folder = site / name
    folder.mkdir()
    for filename, content in files.items():
        (folder / filename).write_bytes(content)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    _folder(
        site,
        "Foo_Bar-1.0.dist-info",
        {
            "METADATA": b"Metadata-Version: 2.1\r\nName: Foo_Bar\r\nVersion: 1.0\r\n",
            "entry_points.txt": (
                b"# a comment\n[console_scripts]\nfoo = foo:main\n\n"
                b"[brainsmith.plugins]\n  fb =  foo_bar:brainsmith_plugin.toml  \n"
                b"other=foo_bar.x:y\n[ brainsmith.plugins ]\nspaced = a:b\n"
            ),
        },
    )
    _folder(site, "foo.bar-0.9.dist-info", {})  # a leftover of the same name
    _folder(site, "Other-2.0.DIST-INFO", {"METADATA": b"Name: Other\nVersion: 2.0\n"})
    _folder(
        site,
        "legacy-1.0.egg-info",
        {"PKG-INFO": b"Name: legacy\nVersion: 1.0\n", "requires.txt": b"a>=1\n\n[x]\nb\n"},
    )
    (site / "afile-1.0.dist-info").write_text("not a folder")
    _folder(site, "~ackage-0.9.dist-info", {"METADATA": b"Name: ackage\nVersion: 0.9\n"})
    _folder(site, "broken-1.0.dist-info", {"entry_points.txt": b"[brainsmith.plugins]\nno-eq\n"})
    _folder(site, "quiet-1.0.dist-info", {"entry_points.txt": b"[console_scripts]\nno-eq\n"})
    _folder(
        site, "latin-1.0.dist-info", {"entry_points.txt": b"[brainsmith.plugins]\nx = \xe9:y\n"}
    )
    _folder(site, "pkg", {"__init__.py": b""})
    return site


def _entries(site: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(site)
    return [str(site), f"{site}/", f"{site}/./", "", ".", str(site / "missing")]


def _theirs(entry: str) -> list[importlib.metadata.Distribution]:
    return list(importlib.metadata.distributions(path=[entry]))


def test_the_same_folders_in_the_same_order(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for entry in _entries(site, monkeypatch):
        ours = list(distributions(entry))
        assert all(isinstance(d, MetadataFolder) for d in ours)
        theirs = _theirs(entry)
        assert [folder_of(d) for d in ours] == [folder_of(d) for d in theirs], entry
        assert [str(d.locate_file("")) for d in ours] == [str(d.locate_file("")) for d in theirs]
    assert len(list(distributions(str(site)))) == 9


def test_the_same_text_and_requirements(site: Path) -> None:
    theirs = {folder_of(d): d for d in _theirs(str(site))}
    for dist in distributions(str(site)):
        other = theirs[folder_of(dist)]
        for filename in ("METADATA", "PKG-INFO", "entry_points.txt", "missing"):
            try:
                expected: object = other.read_text(filename)
            except ValueError as exc:  # not UTF-8
                expected = type(exc)
            try:
                got: object = dist.read_text(filename)
            except ValueError as exc:
                got = type(exc)
            assert got == expected, (folder_of(dist), filename)
        assert dist.requires == other.requires


def test_the_same_entry_points_and_failures(site: Path) -> None:
    theirs = {folder_of(d): d for d in _theirs(str(site))}
    for dist in distributions(str(site)):
        other = theirs[folder_of(dist)]
        try:
            expected: object = [
                (ep.name, ep.value) for ep in other.entry_points.select(group=GROUP)
            ]
        except (ValueError, TypeError):  # TypeError: a line that is not "name = value"
            expected = ValueError
        try:
            got: object = [tuple(ep) for ep in entry_points(dist, GROUP)]
        except ValueError:
            got = ValueError
        mentions = GROUP.encode() in _bytes(Path(folder_of(dist)) / "entry_points.txt")
        if mentions:
            assert got == expected, folder_of(dist)
        else:  # never parsed: it declares nothing in the group
            assert got == [], folder_of(dist)
    first = next(
        d for d in distributions(str(site)) if folder_of(d).endswith("Foo_Bar-1.0.dist-info")
    )
    assert entry_points(first, GROUP) == [
        ("fb", "foo_bar:brainsmith_plugin.toml"),
        ("other", "foo_bar.x:y"),
    ]


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_a_zip_on_the_path_is_read_by_importlib_metadata(tmp_path: Path) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
        zipped.writestr("zipped-1.0.dist-info/entry_points.txt", f"[{GROUP}]\nz = zp:m.toml\n")
    (dist,) = distributions(str(archive))
    assert not isinstance(dist, MetadataFolder)
    assert entry_points(dist, GROUP) == [("z", "zp:m.toml")]


def test_a_custom_finder_of_distributions_is_asked(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Finder:
        @staticmethod
        def find_spec(*_: object) -> None:
            return None

        @staticmethod
        def find_distributions(context: object = None) -> list[importlib.metadata.Distribution]:
            return [importlib.metadata.PathDistribution(site / "Other-2.0.DIST-INFO")]

    monkeypatch.setattr("sys.meta_path", [*__import__("sys").meta_path, Finder()])
    found = list(distributions(str(site)))
    assert not any(isinstance(d, MetadataFolder) for d in found)
    assert [folder_of(d) for d in found] == [folder_of(d) for d in _theirs(str(site))]
    assert folder_of(found[-1]) == os.fspath(site / "Other-2.0.DIST-INFO")


@pytest.mark.parametrize("name", ["Foo_Bar", "foo.bar", "a--b__c..d", "A-_.B", "plain"])
def test_names_normalize_as_importlib_metadata_files_them(name: str) -> None:
    from importlib.metadata import Prepared  # type: ignore[attr-defined]

    assert normalize(name) == Prepared.normalize(name)


def test_an_entry_point_line_without_a_value_is_a_problem_not_a_traceback(
    tmp_path: Path,
) -> None:
    """importlib.metadata's parser fails on it with a TypeError, which discovery let through."""
    from brainsmith.plugins._discovery import scan

    site = tmp_path / "site"
    site.mkdir()
    _folder(
        site,
        "bad-1.0.dist-info",
        {
            "METADATA": b"Name: bad\nVersion: 1.0\n",
            "entry_points.txt": b"[brainsmith.plugins]\nno-eq\n",
        },
    )
    found = scan([str(site)])
    assert found.records == ()
    (problem,) = found.problems
    assert (problem.severity, problem.distribution) == ("error", "bad")
    assert f"{site}/bad-1.0.dist-info/entry_points.txt" in problem.reason
    assert "'no-eq'" in problem.reason
    assert "pip install --force-reinstall bad" in problem.fix
