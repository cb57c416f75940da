"""Discovery speed (issues 2 and 8): medians of fresh processes, measured side by side in one run.

1. ``import brainsmith`` against ``import pluggy`` alone: the difference must be <= 5 ms.
2. ``python -m brainsmith plugins list --json`` in an environment of 500 installed
   distributions, 50 of them manifest-first plugins, against a bare process that only calls
   ``importlib.metadata.entry_points(group="brainsmith.plugins")``, with the discovery cache
   (brainsmith.plugins._cache) and its checks (manifest digests, file safety) on:

   - warm, listed again in the same folder: ratio <= 1.0;
   - warm, each listing in a folder never listed from before (same environment, same
     settings): ratio <= 1.0 — moving between folders must cost nothing;
   - cold, each listing with an empty cache folder (a full scan, resolution, both cache entries
     written): ratio <= 1.8.

   The listing must show the 50 plugins, and no plugin module may be imported (each fake
   plugin package appends to the file named by ``BENCH_IMPORT_LOG`` when imported).

The environment is a real virtual environment (``python -m venv``, no pip) whose site-packages
holds the generated ``.dist-info`` folders, pluggy and packaging (copied from the running
interpreter's environment) and a ``.pth`` file pointing at the core's source folder, the way an
editable install does. Run::

    python benchmarks/bench_discovery.py [--runs N] [--keep]

Exits non-zero if a target is missed; every number is printed regardless.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_SRC = ROOT / "packages" / "brainsmith-core" / "src"
DISTRIBUTIONS = 500
PLUGINS = 50
IMPORT_TARGET_MS = 5.0
WARM_TARGET = 1.0
COLD_TARGET = 1.8
LOG_ENV = "BENCH_IMPORT_LOG"

MANIFEST = """\
schema = 1
api = ">=1,<2"
description = "benchmark plugin {i}"
requires = [{requires}]

[[transforms]]
name = "Fold{i}"
stage = "graph_cleanup"
target = "{pkg}.transforms:Fold"

[[transforms]]
name = "Tidy{i}"
stage = "topology_optimization"
target = "{pkg}.transforms:Tidy"

[[kernels]]
name = "Conv{i}"
target = "{pkg}.kernels:Conv"

[[backends]]
name = "Conv{i}_hls"
kernel = "Conv{i}"
language = "hls"
target = "{pkg}.kernels:ConvHLS"

[[hw_transforms]]
name = "InferConv{i}"
kernels = ["Conv{i}"]
target = "{pkg}.infer:InferConv"
"""

IMPORT_LOGGER = (
    "import os\n"
    f"with open(os.environ[{LOG_ENV!r}], 'a') as _log:\n"
    "    _log.write(__name__ + '\\n')\n"
)


def write_dist(
    site: Path,
    name: str,
    version: str,
    entry_points: dict[str, dict[str, str]],
    requires: list[str],
    files: dict[str, str],
) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(metadata) + "\n")
    if entry_points:
        (info / "entry_points.txt").write_text(
            "".join(
                f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n"
                for group, eps in entry_points.items()
            )
        )
    records = []
    for relative, text in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        records.append(f"{relative},,")
    (info / "INSTALLER").write_text("pip\n")
    (info / "RECORD").write_text("\n".join([*records, f"{info.name}/METADATA,,"]) + "\n")


def site_packages_of(env: Path) -> Path:
    (found,) = env.glob("lib/python3*/site-packages")
    return found


def copy_installed(site: Path, module: str) -> None:
    """Copy an installed package (and its .dist-info) of the running interpreter into ``site``;
    its bytecode is written on the first (warm-up) run, as pip does at install time."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.submodule_search_locations, module
    package = Path(next(iter(spec.submodule_search_locations)))
    shutil.copytree(package, site / package.name)
    for info in package.parent.glob(f"{module}-*.dist-info"):
        shutil.copytree(info, site / info.name)


def build_environment(base: Path) -> tuple[Path, Path]:
    """Create the virtual environment; return its python and site-packages."""
    env = base / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env)
    site = site_packages_of(env)
    copy_installed(site, "pluggy")
    copy_installed(site, "packaging")
    (site / "_brainsmith_core_editable.pth").write_text(f"{CORE_SRC}\n")
    write_dist(
        site,
        "brainsmith-core",
        "0.1.0",
        {"console_scripts": {"brainsmith": "brainsmith.cli:main"}},
        ["pluggy>=1.5", "packaging>=23.2"],
        {},
    )
    for i in range(PLUGINS):
        pkg = f"bench_plugin_{i:03d}"
        requires = f'"{f"p{i - 1:03d}"}>=1"' if i % 5 else ""
        write_dist(
            site,
            f"brainsmith-plugin-bench-{i:03d}",
            "1.0",
            {
                "brainsmith.plugins": {f"p{i:03d}": f"{pkg}:brainsmith_plugin.toml"},
                "console_scripts": {f"bench-{i:03d}": f"{pkg}.cli:main"},
            },
            ["brainsmith-core>=0.1", "numpy>=1.24; extra == 'full'"],
            {
                f"{pkg}/__init__.py": IMPORT_LOGGER,
                f"{pkg}/transforms.py": IMPORT_LOGGER,
                f"{pkg}/kernels.py": IMPORT_LOGGER,
                f"{pkg}/infer.py": IMPORT_LOGGER,
                f"{pkg}/brainsmith_plugin.toml": MANIFEST.format(i=i, pkg=pkg, requires=requires),
            },
        )
    for i in range(DISTRIBUTIONS - PLUGINS - 1):
        pkg = f"other_dist_{i:03d}"
        groups: dict[str, dict[str, str]] = {}
        if i % 3 == 0:
            groups["console_scripts"] = {f"other-{i}": f"{pkg}:main"}
        if i % 7 == 0:
            groups["pytest11"] = {f"other{i}": f"{pkg}.plugin"}
        if i % 11 == 0:
            groups["flake8.extension"] = {f"X{i}": f"{pkg}:Checker"}
        write_dist(
            site,
            f"other-dist-{i:03d}",
            f"{i % 9}.{i % 4}.{i}",
            groups,
            [f"other-dist-{(i + 1) % 400:03d}>=0.1", "typing-extensions; python_version<'3.12'"],
            {f"{pkg}/__init__.py": IMPORT_LOGGER},
        )
    python = env / "bin" / "python"
    return python, site


Command = tuple[list[str], dict[str, str], Callable[[], Path] | None]


def median_ms(commands: dict[str, Command], runs: int) -> dict[str, float]:
    """Run each command ``runs`` times, alternating, in fresh processes; medians in ms. A
    command's third item, when given, makes the folder each run starts in (made before the
    clock starts)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv, env, _ in commands.values():  # warm the file system caches
        subprocess.run(argv, env=env, check=True, capture_output=True)
    for _ in range(runs):
        for name, (argv, env, make_folder) in commands.items():
            cwd = make_folder() if make_folder else None
            start = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per command")
    parser.add_argument("--keep", action="store_true", help="keep the generated environment")
    args = parser.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="bench-discovery-"))
    try:
        python, site = build_environment(base)
        log = base / "imports.log"
        log.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BRAINSMITH"))}
        env[LOG_ENV] = str(log)
        env["BRAINSMITH_CACHE_DIR"] = str(base / "cache")
        py = str(python)
        # compile bytecode once, as an installer would
        subprocess.run(
            [py, "-m", "compileall", "-q", str(site), str(CORE_SRC)], env=env, check=True
        )

        # correctness first: 50 plugins listed, every one active, no plugin module imported
        listing = subprocess.run(
            [py, "-m", "brainsmith", "plugins", "list", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=base,
        )
        plugins = json.loads(listing.stdout)["plugins"]
        states = {p["namespace"]: p["state"] for p in plugins}
        listed_ok = len(plugins) == PLUGINS and set(states.values()) == {"active"}
        imported = log.read_text().split()
        print(f"environment: {DISTRIBUTIONS} distributions, {PLUGINS} plugins in {site}")
        print(
            f"listing: {len(plugins)} plugins, states {sorted(set(states.values()))}; "
            f"plugin modules imported: {len(imported)}"
        )

        def new_folder(prefix: str) -> Callable[[], Path]:
            counter = iter(range(10**9))
            return lambda: Path(tempfile.mkdtemp(prefix=f"{prefix}{next(counter)}-", dir=base))

        imports = median_ms(
            {
                "pluggy": ([py, "-c", "import pluggy"], env, None),
                "brainsmith": ([py, "-c", "import brainsmith"], env, None),
            },
            args.runs,
        )
        scan = [
            py,
            "-c",
            "import importlib.metadata as m; m.entry_points(group='brainsmith.plugins')",
        ]
        listing_argv = [py, "-m", "brainsmith", "plugins", "list", "--json"]
        cold_env = dict(env)
        fresh_cache = new_folder("cache-")

        def cold_folder() -> Path:
            cold_env["BRAINSMITH_CACHE_DIR"] = str(fresh_cache() / "brainsmith")
            return base

        times = median_ms(
            {
                "entry_points": (scan, env, None),
                "warm": (listing_argv, env, lambda: base),
                "warm, new folder": (listing_argv, env, new_folder("work-")),
                "cold": (listing_argv, cold_env, cold_folder),
            },
            args.runs,
        )
        imported = log.read_text().split()
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)

    difference = imports["brainsmith"] - imports["pluggy"]
    print(
        f"import: pluggy {imports['pluggy']:.1f} ms, brainsmith {imports['brainsmith']:.1f} ms "
        f"(medians of {args.runs}) -> difference {difference:+.1f} ms "
        f"(target <= {IMPORT_TARGET_MS:.0f} ms)"
    )
    baseline = times["entry_points"]
    print(f"bare entry_points() scan: {baseline:.1f} ms (median of {args.runs})")
    ratios = {name: times[name] / baseline for name in ("warm", "warm, new folder", "cold")}
    targets = {"warm": WARM_TARGET, "warm, new folder": WARM_TARGET, "cold": COLD_TARGET}
    for name, ratio in ratios.items():
        print(
            f"plugins list --json, {name}: {times[name]:.1f} ms -> ratio {ratio:.2f} "
            f"(target <= {targets[name]})"
        )
    failures = []
    if difference > IMPORT_TARGET_MS:
        failures.append("import brainsmith costs too much over import pluggy")
    for name, ratio in ratios.items():
        if ratio > targets[name]:
            failures.append(f"plugins list ({name}) is too slow relative to entry_points()")
    if not listed_ok:
        failures.append(f"expected {PLUGINS} active plugins, got {states}")
    if imported:
        failures.append(f"plugin modules were imported: {sorted(set(imported))[:5]}")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
