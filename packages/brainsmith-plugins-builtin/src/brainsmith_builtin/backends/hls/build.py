"""Compile cppsim executables with g++, cached by the digest of everything that goes in.

The digest covers the kernel source, the testbench, our stream shim, the compiler flags, the
compiler's resolved path and the ``ap_int.h`` used (path, size, modification time); an unchanged
kernel is never rebuilt. Entries live in ``<cache>/hls-cppsim/<digest>/`` (``kernel.cpp``,
``testbench.cpp``, ``sim``) where ``<cache>`` is ``$BRAINSMITH_CACHE_DIR``, else
``$XDG_CACHE_HOME/brainsmith``, else ``~/.cache/brainsmith``. A build happens in a scratch
folder renamed into place at the end, so a concurrent or interrupted build never leaves a
half-written entry; a failed build's sources stay in ``<cache>/hls-cppsim/failed/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from brainsmith_builtin.backends.hls.errors import CppsimBuildError, HeadersNotFoundError
from brainsmith_builtin.backends.hls.headers import ap_types_dir, shim_include_dir
from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.backends.hls.testbench import testbench_source

CXX_FLAGS = ("-O1", "-std=c++14", "-w")
"""Flags of every cppsim build (``-w``: the ap_types headers warn a lot under recent g++)."""

CACHE_DIR_ENV = "BRAINSMITH_CACHE_DIR"
_LAYOUT_VERSION = "hls-cppsim-1"
_KERNEL_FILE = "kernel.cpp"
_TESTBENCH_FILE = "testbench.cpp"
_EXECUTABLE = "sim"
_MAX_ERROR_CHARS = 6000


@dataclass(frozen=True)
class CppsimBuild:
    """A compiled cppsim program: ``executable``, the ``source`` it came from, and whether it
    was taken from the cache (``cached``) rather than compiled now."""

    kernel: HLSKernel
    executable: Path
    source: Path
    digest: str
    cached: bool


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The cache root: ``$BRAINSMITH_CACHE_DIR``, else ``$XDG_CACHE_HOME/brainsmith``, else
    ``~/.cache/brainsmith``."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "brainsmith"


def compiler_path(compiler: str = "g++") -> Path:
    """The resolved path of ``compiler``; :class:`HeadersNotFoundError` saying what to install
    when it is not on ``PATH``."""
    found = shutil.which(compiler)
    if found is None:
        raise HeadersNotFoundError(
            f"the C++ compiler {compiler!r} was not found on PATH",
            where="cppsim",
            fix="install g++ (Debian/Ubuntu: apt-get install g++)",
        )
    return Path(found).resolve()


def _digest(kernel_text: str, testbench_text: str, compiler: Path, ap_types: Path) -> str:
    ap_int = (ap_types / "ap_int.h").stat()
    shim = (shim_include_dir() / "hls_stream.h").read_bytes()
    digest = hashlib.sha256()
    for part in (
        _LAYOUT_VERSION,
        kernel_text,
        testbench_text,
        " ".join(CXX_FLAGS),
        str(compiler),
        f"{ap_types.resolve()}:{ap_int.st_size}:{ap_int.st_mtime_ns}",
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(shim)
    return digest.hexdigest()


def build_cppsim(
    kernel: HLSKernel, *, cache_dir: Path | None = None, compiler: str = "g++"
) -> CppsimBuild:
    """The cppsim program for ``kernel``: from the cache, or compiled now with g++.

    Raises:
        HeadersNotFoundError: ``ap_int.h`` or the compiler is missing (the fix says what to
            install).
        CppsimBuildError: g++ failed; the message holds its diagnostics and names the source.
    """
    ap_types = ap_types_dir()
    compiler_file = compiler_path(compiler)
    testbench = testbench_source(kernel, _KERNEL_FILE)
    digest = _digest(kernel.source, testbench, compiler_file, ap_types)
    root = (cache_dir or default_cache_dir()) / "hls-cppsim"
    entry = root / digest[:2] / digest
    if (entry / _EXECUTABLE).is_file():
        return CppsimBuild(kernel, entry / _EXECUTABLE, entry / _KERNEL_FILE, digest, True)

    entry.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".build-{digest[:12]}-", dir=entry.parent))
    (scratch / _KERNEL_FILE).write_text(kernel.source)
    (scratch / _TESTBENCH_FILE).write_text(testbench)
    command = [
        str(compiler_file),
        *CXX_FLAGS,
        f"-I{shim_include_dir()}",  # first: our hls_stream.h, not the one beside ap_int.h
        f"-I{ap_types}",
        _TESTBENCH_FILE,
        "-o",
        _EXECUTABLE,
    ]
    result = subprocess.run(command, cwd=scratch, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        failed = root / "failed" / digest
        shutil.rmtree(failed, ignore_errors=True)
        failed.parent.mkdir(parents=True, exist_ok=True)
        scratch.rename(failed)
        diagnostics = result.stderr.strip()[:_MAX_ERROR_CHARS]
        raise CppsimBuildError(
            f"g++ could not compile kernel {kernel.function!r} "
            f"(exit {result.returncode}):\n{diagnostics}",
            where=str(failed / _KERNEL_FILE),
            fix="this is a bug in the generator for this kernel's parameters: report it with "
            "the source above",
        )
    try:
        scratch.rename(entry)
    except OSError:  # a concurrent build of the same digest won the race: use its result
        shutil.rmtree(scratch, ignore_errors=True)
        if not (entry / _EXECUTABLE).is_file():
            raise
    return CppsimBuild(kernel, entry / _EXECUTABLE, entry / _KERNEL_FILE, digest, False)


def build_cppsim_all(
    kernels: Sequence[HLSKernel],
    *,
    cache_dir: Path | None = None,
    compiler: str = "g++",
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[CppsimBuild]:
    """Build several kernels in parallel: a pool of ``jobs`` threads (default ``os.cpu_count()``),
    each running one g++ process at a time. Returns the builds in the order of ``kernels``.

    ``progress`` receives one line per finished build, in completion order:
    ``"cppsim MatMul_0 built in 12.3s (3/9)"`` or ``"cppsim MatMul_1 cached (4/9)"``.

    Raises:
        CppsimBuildError, HeadersNotFoundError: as :func:`build_cppsim`; the first failure in
            ``kernels`` order is raised after every build has finished.
    """
    if not kernels:
        return []
    workers = max(1, min(jobs or os.cpu_count() or 1, len(kernels)))
    total = len(kernels)
    done = 0
    lock = threading.Lock()

    def build(kernel: HLSKernel) -> CppsimBuild:
        nonlocal done
        began = time.perf_counter()
        result = build_cppsim(kernel, cache_dir=cache_dir, compiler=compiler)
        if progress is not None:
            how = "cached" if result.cached else f"built in {time.perf_counter() - began:.1f}s"
            with lock:
                done += 1
                progress(f"cppsim {kernel.function} {how} ({done}/{total})")
        return result

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cppsim-build") as pool:
        futures = [pool.submit(build, kernel) for kernel in kernels]
        return [future.result() for future in futures]
