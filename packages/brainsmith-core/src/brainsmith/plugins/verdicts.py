"""The outcome of resolution: each plugin's state, the problems found, the set-up order.

Plain immutable data, cheap to import; :mod:`brainsmith.plugins._resolve` computes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from .._version import CORE_DISTRIBUTION
from .records import Kind, PluginRecord, requirement_name

Severity = Literal["error", "warning", "info"]
"""``info`` explains a state the user chose (disabled); it is never a problem."""


class State(StrEnum):
    """A plugin's state after resolution (and, for code-defined plugins, activation)."""

    ACTIVE = "active"
    NOT_ACTIVATED = "not activated"
    DISABLED = "disabled"
    INCOMPATIBLE = "incompatible"
    BROKEN = "broken"
    MISSING = "missing"

    @property
    def usable(self) -> bool:
        """Whether the plugin's components may be used."""
        return self in (State.ACTIVE, State.NOT_ACTIVATED)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, with where it is and how to fix it."""

    severity: Severity
    subject: str
    """The plugin's namespace, a pinned distribution, or the settings file."""
    distribution: str
    version: str
    reason: str
    fix: str
    code: str = ""
    """What kind of problem: ``pin`` (a pin unmet: missing or out of range), ``setting`` (a
    name in the settings or switches that matches no plugin), else ``""``."""

    def one_line(self) -> str:
        """``subject (distribution version): reason (fix: ...)`` on one line."""
        where = self.subject
        if self.distribution:
            where += f" ({self.distribution} {self.version})".replace(" )", ")")
        return f"{where}: {self.reason}" + (f" (fix: {self.fix})" if self.fix else "")

    def to_json(self) -> dict[str, Any]:
        """The problem as ``plugins list --json`` shows it (docs/cli.md): ``severity``,
        ``subject``, ``distribution``, ``version``, ``reason``, ``fix`` (``None`` when empty)."""
        return {
            "severity": self.severity,
            "subject": self.subject,
            "distribution": self.distribution or None,
            "version": self.version or None,
            "reason": self.reason,
            "fix": self.fix or None,
        }

    def __str__(self) -> str:
        where = self.subject
        if self.distribution:
            where += f" ({self.distribution} {self.version})".replace(" )", ")")
        return f"{self.severity}: {where}: {self.reason}" + (
            f"\n  fix: {self.fix}" if self.fix else ""
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """A plugin's (or a missing pin's) state, with the problems that decided it."""

    namespace: str
    distribution: str
    version: str
    state: State
    record: PluginRecord | None
    problems: tuple[Problem, ...] = ()

    @property
    def reason(self) -> str:
        """The first problem's reason, or ``""``."""
        return self.problems[0].reason if self.problems else ""

    def to_json(self) -> dict[str, Any]:
        """The plugin as ``plugins list --json`` shows it (docs/cli.md): namespace,
        distribution, version, state, source, form, entry point, location, component counts
        per kind (``None`` until known), constraints (``None`` without a record), problems."""
        record = self.record
        counts = None
        if record is not None and record.components is not None:
            counts = {k.plural: sum(1 for s in record.components if s.kind is k) for k in Kind}
        return {
            "namespace": self.namespace,
            "distribution": self.distribution,
            "version": self.version,
            "state": str(self.state),
            "source": record.source if record else None,
            "form": str(record.form) if record else None,
            "entry_point": record.value if record else None,
            "location": record.location if record else None,
            "components": counts,
            "constraints": {
                "core": [
                    r for r in record.requires_dist if requirement_name(r) == CORE_DISTRIBUTION
                ],
                "api": record.declaration.api or None,
                "requires": list(record.declaration.requires),
                "conflicts": list(record.declaration.conflicts),
                "hooks": record.declaration.hooks or None,
            }
            if record
            else None,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    """The verdict on every plugin, the problems found, and the order to set plugins up in."""

    verdicts: tuple[Verdict, ...]
    problems: tuple[Problem, ...]
    order: tuple[str, ...]
    """Namespaces of usable plugins, each after the plugins it requires."""

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of severity ``error``."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def ok(self) -> bool:
        """True when nothing is wrong: every pin met, every plugin loadable."""
        return not self.errors

    def verdict(self, namespace: str) -> Verdict | None:
        """The verdict of the usable plugin with this namespace, else of any with it."""
        matches = [v for v in self.verdicts if v.namespace == namespace]
        usable = [v for v in matches if v.state.usable]
        best = usable or matches
        return best[0] if best else None
