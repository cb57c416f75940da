"""Read a JSON file a run wrote, every failure but a missing file a :class:`BrainsmithError`
naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import BrainsmithError


def read_json(
    path: Path, *, what: str, fix: str, error: type[BrainsmithError] = BrainsmithError
) -> Any:
    """The document in ``path``.

    :param what: what the file holds, for messages (``"saved plugin state"``).
    :param fix: what to do about an unreadable file.
    :raises FileNotFoundError: unchanged, so that callers decide what a missing file means.
    :raises BrainsmithError: (``error``) the file is not valid JSON or cannot be read.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON: {exc}", where=str(path), fix=fix) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise error(f"cannot read {what}: {exc}", where=str(path), fix=fix) from None
