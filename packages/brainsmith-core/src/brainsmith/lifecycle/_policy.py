"""What happens when a hook fails (:class:`ErrorPolicy`) and the stop signal loops honour
(:class:`StopControl`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class ErrorPolicy:
    """What happens when a plugin's hook raises.

    ``raise``: fire ``on_exception`` then raise :class:`HookError`. ``warn``: warn and go on.
    ``disable``: warn, and disable the plugin after ``max_failures`` failures.
    """

    action: Literal["raise", "warn", "disable"] = "raise"
    max_failures: int = 1

    def __post_init__(self) -> None:
        if self.action not in ("raise", "warn", "disable"):
            raise ValueError(f"error policy {self.action!r} is not raise, warn or disable")
        if isinstance(self.max_failures, bool) or not (
            isinstance(self.max_failures, int) and self.max_failures >= 1
        ):
            raise ValueError(f"max_failures must be a positive int, got {self.max_failures!r}")

    @classmethod
    def parse(cls, value: object) -> ErrorPolicy:
        """From config: ``"raise"``, ``"warn"``, ``"disable"`` or ``{"disable_after": N}``."""
        if isinstance(value, str):
            return cls(value)  # type: ignore[arg-type]
        if isinstance(value, Mapping) and set(value) == {"disable_after"}:
            return cls("disable", value["disable_after"])
        raise ValueError(
            f"on_error must be 'raise', 'warn', 'disable' or {{disable_after: N}}, got {value!r}"
        )


class StopControl:
    """The stop signal hooks raise (by returning :class:`Stop`) and loops honour."""

    __slots__ = ("by", "event", "reason", "requested")

    def __init__(self) -> None:
        self.requested = False
        self.reason = ""
        self.by = ""
        self.event = ""

    def request(self, reason: str = "", *, by: str = "", event: str = "") -> None:
        """Ask the loop to stop; the first request's reason is kept."""
        if not self.requested:
            self.requested, self.reason, self.by, self.event = True, reason, by, event

    def to_json(self) -> dict[str, str] | None:
        """``None`` or ``{"reason", "by", "event"}``."""
        if not self.requested:
            return None
        return {"reason": self.reason, "by": self.by, "event": self.event}


DEFAULT_POLICY = ErrorPolicy()
"""``raise``: the policy of a plugin no run config names."""
