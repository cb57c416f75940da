"""Read a YAML file into Python values, every failure a :class:`BrainsmithError` that names
the file (and line and column for a syntax error). PyYAML is imported only here, on use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import BrainsmithError


def read_yaml(path: Path, what: str, error: type[BrainsmithError], missing: str = "") -> Any:
    """The parsed content of ``path`` (``None`` for an empty file).

    ``what`` names the file's role in messages ("blueprint", "run config"); ``error`` is the
    error class raised; ``missing`` is appended to the not-found message.
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(
            f"{what} file not found{missing}", where=str(path), fix="check the path"
        ) from None
    except IsADirectoryError:
        raise error(
            f"the {what} is a directory, not a file",
            where=str(path),
            fix=f"pass a {what} YAML file",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error(
            f"cannot read the {what}: {reason}",
            where=str(path),
            fix=f"make it a readable UTF-8 {what} YAML file",
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"not valid YAML: {problem}", where=where, fix="fix the YAML syntax") from None
    except RecursionError:
        raise error(
            f"the {what} is nested too deeply to read", where=str(path), fix="flatten it"
        ) from None
