"""Run ``brainsmith compile MODEL --verify`` over a corpus of models nobody here wrote.

The corpus: every model of the ``onnx`` package's backend test data (``node``, ``simple``,
``light``, ``pytorch-converted``, ``pytorch-operator``) whose original onnxruntime can run on
its own ``test_data_set_0``, plus every ``*.onnx`` in ``--extra`` folders (default:
``$BRAINSMITH_CORPUS_EXTRA`` or ``/work/shared/cases/models`` when present).

Every model must end in one of two ways:

* **passed**: exit 0, nothing printed under ``--quiet``, and the report says the compiled model
  was verified against the original (``verification.status == "passed"``);
* **refused**: exit 2 *before compiling*, with a message naming the unsupported operator/type.

Anything else is **failed**: exit 1, a traceback, a crash, a timeout, a compile left
unverified, or a refusal of a model onnxruntime runs. An ``onnx`` test model onnxruntime cannot
run (on its own, as the test data ships it) that brainsmith neither passes nor refuses is
**excluded**: it is not part of the corpus.

Each model runs through the real command line (``brainsmith.cli.main``) in one of ``--jobs``
worker processes (2 by default), with a per-model time limit. Results are cached in ``--cache``
(JSON) keyed by the model's digest (its file and reference data), the brainsmith version and a
digest of brainsmith's installed source and its key dependencies' versions (a code change runs
every model again): a re-run skips models that passed, were refused or excluded, and runs failed
ones again.

Usage: ``python tests/corpus/run_corpus.py [--jobs 2] [--limit N] [--match SUBSTRING]``.
Exit status 0 when nothing failed, 1 otherwise. ``--json FILE`` writes every result.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ONNX_SUITES = ("node", "simple", "light", "pytorch-converted", "pytorch-operator")
"""Folders of ``onnx/backend/test/data`` whose models the corpus runs."""
DEFAULT_EXTRA = Path("/work/shared/cases/models")
DEFAULT_CACHE = ROOT / ".cache" / "corpus" / "results.json"
TIME_LIMIT = 120
"""Seconds one model may take (onnxruntime check, compile and verification)."""
OUTCOMES = ("passed", "refused", "failed", "excluded")


@dataclass(frozen=True)
class Result:
    """One model's outcome."""

    model: str
    digest: str
    outcome: str
    """``passed``, ``refused`` (exit 2 before compiling), ``failed`` or ``excluded`` (an
    ``onnx`` test model onnxruntime cannot run on its own data, which brainsmith did not
    refuse either: not part of the corpus)."""
    message: str
    """The last error line (refused/failed), or why the model is excluded."""
    seconds: float


def onnx_models() -> list[Path]:
    """Every ``model.onnx`` of the ``onnx`` package's test data suites."""
    import onnx

    data = Path(onnx.__file__).parent / "backend" / "test" / "data"
    found: list[Path] = []
    for suite in ONNX_SUITES:
        found += sorted((data / suite).glob("*/model.onnx"))
    return found


def extra_models(folders: Iterable[Path]) -> list[Path]:
    return [m for folder in folders if folder.is_dir() for m in sorted(folder.glob("*.onnx"))]


def digest(model: Path) -> str:
    """sha256 of the model file and of its reference data sets (``test_data_set_*``)."""
    hasher = hashlib.sha256(model.read_bytes())
    for data in sorted(model.parent.glob("test_data_set_*/*.pb")) if _reference(model) else []:
        hasher.update(data.name.encode())
        hasher.update(data.read_bytes())
    return hasher.hexdigest()


def _reference(model: Path) -> bool:
    return model.name == "model.onnx"


def onnxruntime_runs(model: Path) -> tuple[bool | None, str]:
    """Whether onnxruntime runs the original on its first reference set: ``True``, ``False``
    with the reason, or ``None`` when the set cannot be fed from here (sequences, optionals)."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    options = ort.SessionOptions()
    options.log_severity_level = 4
    try:
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        return False, f"onnxruntime cannot load it: {str(exc).splitlines()[0][:200]}"
    folder = model.parent / "test_data_set_0"
    names = [i.name for i in session.get_inputs()]
    files = sorted(folder.glob("input_*.pb"), key=lambda p: int(p.stem.split("_")[-1]))
    if len(files) != len(names):
        return None, "no reference set to run it on"
    feed: dict[str, Any] = {}
    for name, path in zip(names, files, strict=True):
        proto = onnx.TensorProto()
        try:
            proto.ParseFromString(path.read_bytes())
            feed[name] = numpy_helper.to_array(proto)
        except Exception:
            return None, "its reference set holds values other than tensors"
    try:
        session.run(None, feed)
    except Exception as exc:
        return False, f"onnxruntime cannot run it: {str(exc).splitlines()[0][:200]}"
    return True, ""


class _TimeLimit(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _TimeLimit


def run_one(model: str, model_digest: str, check_runtime: bool, limit: int) -> Result:
    """Compile one model through the command line, in this worker process.

    ``check_runtime``: the model is from the ``onnx`` test data, whose original onnxruntime
    may not be able to run; then a refusal is right only when onnxruntime cannot run it, and a
    model onnxruntime cannot run is ``excluded`` when brainsmith does not refuse it either.
    """
    from brainsmith.cli import main

    path = Path(model)
    start = time.perf_counter()

    def result(outcome: str, message: str) -> Result:
        return Result(model, model_digest, outcome, message, time.perf_counter() - start)

    runs, why = onnxruntime_runs(path) if check_runtime else (None, "")
    out = Path(tempfile.mkdtemp(prefix="bs-corpus-"))
    stderr = io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            status = main(["compile", model, "--verify", "-q", "-o", str(out / "build")])
    except _TimeLimit:
        return result("failed", f"timeout: more than {limit}s")
    except BaseException as exc:
        return result("failed", f"traceback: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        signal.alarm(0)
        report = _report(out / "build" / "compile_report.json")
        shutil.rmtree(out, ignore_errors=True)
    text = stderr.getvalue().strip()
    verification = (report or {}).get("verification") or {}
    if status == 2:
        if runs:
            return result("failed", f"refused, though onnxruntime runs it: {text[:600]}")
        return result("refused", text[:600])
    if status != 0:
        problem = f"exit {status}: {text[:600]}"
    elif verification.get("status") != "passed":
        problem = f"not verified: {verification.get('unverifiable') or verification.get('status')}"
    elif text:  # --quiet prints only errors
        problem = f"printed with --quiet: {text[:600]}"
    else:
        return result("passed", "")
    if runs is False:  # not part of the corpus: onnxruntime cannot run the original
        return result("excluded", f"{why} (brainsmith: {problem[:300]})")
    return result("failed", problem)


def _report(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def load_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_cache(path: Path, cache: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
    os.replace(temporary, path)


CODE_DEPENDENCIES = ("onnx", "onnxruntime", "qonnx", "numpy")
"""Distributions whose version changes a compile's or a verification's outcome."""


def code_digest() -> str:
    """A digest of the code a result depends on: the brainsmith and brainsmith_builtin source
    files as installed (every ``.py``/``.yaml``/``.toml``; the version alone stays ``0.1.0``
    through every change, so a regression would be hidden behind cached passes) and the
    versions of :data:`CODE_DEPENDENCIES`."""
    from importlib.metadata import PackageNotFoundError, version

    import brainsmith
    import brainsmith_builtin

    hasher = hashlib.sha256()
    for package in (brainsmith, brainsmith_builtin):
        root = Path(package.__file__ or "").parent
        for file in sorted(root.rglob("*")):
            if file.suffix in (".py", ".yaml", ".toml") and file.is_file():
                hasher.update(file.relative_to(root).as_posix().encode() + b"\0")
                hasher.update(file.read_bytes() + b"\0")
    for name in CODE_DEPENDENCIES:
        with contextlib.suppress(PackageNotFoundError):
            hasher.update(f"{name}=={version(name)}\0".encode())
    return hasher.hexdigest()[:16]


def cache_key(model_digest: str, code: str) -> str:
    """``MODEL_DIGEST:BRAINSMITH_VERSION:CODE_DIGEST`` (:func:`code_digest`)."""
    from brainsmith import __version__

    return f"{model_digest}:{__version__}:{code}"


def run_corpus(
    models: list[tuple[Path, bool]],
    *,
    jobs: int = 2,
    cache_file: Path | None = DEFAULT_CACHE,
    limit: int = TIME_LIMIT,
    progress: Any = None,
) -> list[Result]:
    """Every model's result: from the cache when it passed, was refused or excluded before
    with the same digest, brainsmith version and code (:func:`cache_key`), else run in
    ``jobs`` worker processes.

    ``models`` pairs each file with whether onnxruntime must be able to run its original
    (the ``onnx`` test data) for it to belong to the corpus.
    """
    cache = load_cache(cache_file) if cache_file is not None else {}
    code = code_digest()
    results: list[Result] = []
    pending: list[tuple[str, str, bool]] = []
    for model, check in models:
        model_digest = digest(model)
        known = cache.get(cache_key(model_digest, code))
        if known is not None and known["outcome"] != "failed":
            results.append(Result(**{**known, "model": str(model)}))
        else:
            pending.append((str(model), model_digest, check))
    for result in _run_pending(pending, jobs, limit):
        results.append(result)
        cache[cache_key(result.digest, code)] = asdict(result)
        if progress is not None:
            progress(result)
        if cache_file is not None and len(results) % 50 == 0:
            save_cache(cache_file, cache)
    if cache_file is not None:
        save_cache(cache_file, cache)
    return results


def _run_pending(pending: list[tuple[str, str, bool]], jobs: int, limit: int) -> Iterator[Result]:
    """Results of ``pending`` as they finish; a worker that dies fails the models it held."""
    queue = list(reversed(pending))
    while queue:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            running: dict[Future[Result], tuple[str, str, bool]] = {}
            try:
                while queue or running:
                    while queue and len(running) < jobs * 2:
                        task = queue.pop()
                        running[pool.submit(run_one, *task, limit)] = task
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        task = running.pop(future)
                        yield future.result()
            except BrokenProcessPool:
                for future, task in running.items():
                    if future.done() and future.exception() is None:
                        yield future.result()
                    else:
                        yield Result(task[0], task[1], "failed", "crash: the worker died", 0.0)
                # models only queued, not started, are retried in a fresh pool


def summary(results: list[Result]) -> str:
    """The counts, the refusal reasons and every failure."""
    counts = Counter(r.outcome for r in results)
    lines = [
        "corpus: " + ", ".join(f"{counts[o]} {o}" for o in OUTCOMES) + f" ({len(results)} models)"
    ]
    for outcome in ("refused", "failed"):
        for r in sorted((r for r in results if r.outcome == outcome), key=lambda r: r.model):
            lines.append(f"  {outcome}: {_short(r.model)}: {headline(r.message)}")
    return "\n".join(lines)


def headline(message: str) -> str:
    """The error line of a message (without the notes and the fix)."""
    lines = message.splitlines() or [""]
    return next((line for line in lines if "error:" in line), lines[0])[:300]


def _short(model: str) -> str:
    path = Path(model)
    return f"{path.parent.name}/{path.name}" if path.name == "model.onnx" else path.name


def corpus(extra: Iterable[Path]) -> list[tuple[Path, bool]]:
    return [(m, True) for m in onnx_models()] + [(m, False) for m in extra_models(extra)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N models")
    parser.add_argument("--match", default="", help="only models whose path contains this")
    parser.add_argument("--extra", type=Path, action="append", help="more model folders")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="results cache file")
    parser.add_argument("--no-cache", action="store_true", help="run every model again")
    parser.add_argument("--time-limit", type=int, default=TIME_LIMIT, help="seconds per model")
    parser.add_argument("--json", type=Path, help="write every result to this file")
    args = parser.parse_args(argv)
    extra = args.extra or [Path(os.environ.get("BRAINSMITH_CORPUS_EXTRA", DEFAULT_EXTRA))]
    models = [(m, c) for m, c in corpus(extra) if args.match in str(m)]
    if args.limit:
        models = models[: args.limit]
    start = time.perf_counter()
    done = Counter[str]()

    def progress(result: Result) -> None:
        done[result.outcome] += 1
        if sum(done.values()) % 100 == 0:
            print(f"... {dict(done)}", file=sys.stderr, flush=True)

    results = run_corpus(
        models,
        jobs=args.jobs,
        cache_file=None if args.no_cache else args.cache,
        limit=args.time_limit,
        progress=progress,
    )
    print(summary(results))
    print(f"corpus: {time.perf_counter() - start:.0f}s with {args.jobs} worker(s)")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n")
    return 1 if any(r.outcome == "failed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
