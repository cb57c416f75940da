"""Running plugin code without letting it take the host down or corrupt its output.

Every place that imports or calls plugin code (activation, component targets, transforms,
lifecycle hooks) uses these helpers, so that:

* what the plugin prints goes to stderr (stdout stays the command's: ``--json`` is valid JSON),
  at both levels: ``sys.stdout`` and file descriptor 1 (``os.write(1, ...)``, a C extension's
  ``printf``);
* a ``SystemExit`` it raises is caught like any other error of the plugin
  (:data:`PLUGIN_FAILURES`), while ``KeyboardInterrupt`` still interrupts;
* the error names the file and line of the plugin's own frame (:func:`plugin_frame`).
"""

from __future__ import annotations

import os
import sys
import sysconfig
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress

INTERRUPTS: tuple[type[BaseException], ...] = (KeyboardInterrupt, GeneratorExit)
"""What plugin code may raise that is not its failure: re-raised (``except INTERRUPTS: raise``)
before :data:`PLUGIN_FAILURES` is caught."""

PLUGIN_FAILURES: tuple[type[BaseException], ...] = (BaseException,)
"""What plugin code may raise that is the plugin's failure, not the process's end: any
exception, ``SystemExit`` and library ``BaseException`` subclasses (gevent's ``GreenletExit``,
pytest's ``Skipped``) included — once :data:`INTERRUPTS` are re-raised."""

_CORE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_STDLIB = tuple(
    os.path.abspath(p) + os.sep
    for p in {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
    if p
)


@contextmanager
def plugin_output() -> Iterator[None]:
    """Send what is printed inside the block to stderr: ``sys.stdout`` is ``sys.stderr`` and
    file descriptor 1 a copy of descriptor 2, both restored after (also on an exception).

    The descriptor is swapped only when 1 and 2 are different files (nothing to do on a
    terminal both share, or inside another ``plugin_output``); C streams are flushed before
    it is restored, so a C extension's buffered ``printf`` output lands on stderr too.
    """
    saved = sys.stdout
    with suppress(OSError, ValueError):  # a closed or detached stream
        saved.flush()  # what the command printed before stays on stdout, in order
    kept = _stdout_to_stderr()
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = saved
        if kept is not None:  # what the plugin wrote to the saved stream goes out first
            for stream in {id(s): s for s in (saved, sys.__stdout__) if s is not None}.values():
                with suppress(OSError, ValueError):
                    stream.flush()
            _restore_stdout(kept)


def _stdout_to_stderr() -> int | None:
    """Point descriptor 1 at descriptor 2's file; a duplicate of the old descriptor 1 to
    restore, or ``None`` if nothing was changed."""
    try:
        out, err = os.fstat(1), os.fstat(2)
        if (out.st_dev, out.st_ino) == (err.st_dev, err.st_ino):
            return None
        kept = os.dup(1)
    except OSError:  # no descriptor 1 or 2: nothing to protect
        return None
    try:
        os.dup2(2, 1)
    except OSError:
        os.close(kept)
        return None
    return kept


def _restore_stdout(kept: int) -> None:
    _flush_c_streams()
    try:
        os.dup2(kept, 1)
    finally:
        os.close(kept)


def _flush_c_streams() -> None:
    """``fflush(NULL)``: C's buffered stdout written while descriptor 1 was stderr goes there."""
    if os.name != "posix":
        return
    import ctypes  # only once plugin code ran with the descriptor swapped

    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def plugin_frame(exc: BaseException, module: str = "") -> str:
    """``"file:line"`` where ``exc`` arose in plugin code, or ``""`` if unknown.

    The innermost traceback frame inside the package of ``module`` (a dotted name, when given)
    wins; else the innermost frame outside brainsmith's core, the standard library and
    import machinery. A ``SyntaxError`` names its own file and line.
    """
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename and not frame.filename.startswith("<")
    ]
    roots = _package_roots(module) if module else ()
    if roots:
        for frame in reversed(frames):
            if os.path.abspath(frame.filename).startswith(roots):
                return f"{frame.filename}:{frame.lineno}"
    for frame in reversed(frames):
        path = os.path.abspath(frame.filename)
        if not path.startswith((_CORE, *_STDLIB)):
            return f"{frame.filename}:{frame.lineno}"
    return ""


def describe_failure(exc: BaseException, module: str = "") -> str:
    """``"TypeName: message (at file:line)"``, the way errors quote a plugin's exception."""
    text = str(exc)
    if isinstance(exc, SyntaxError) and exc.filename:
        text = exc.msg
    if isinstance(exc, SystemExit):
        code = "" if exc.code is None else repr(exc.code)
        text = f"the plugin called exit({code})"
    head = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    where = plugin_frame(exc, module)
    return f"{head} (at {where})" if where else head


def _package_roots(module: str) -> tuple[str, ...]:
    """The folders of ``module``'s top-level package (or its file), from ``sys.modules``."""
    top = sys.modules.get(module.partition(".")[0])
    if top is None:
        return ()
    paths = list(getattr(top, "__path__", None) or [])
    file = getattr(top, "__file__", None)
    if not paths and file:
        return (os.path.abspath(file),)
    return tuple(os.path.abspath(p) + os.sep for p in paths)
