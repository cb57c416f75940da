"""The registry: components of usable plugins, indexed by qualified name.

``namespace:Name`` always finds a component; a short ``Name`` resolves through the namespace
priority. Nothing here imports a component: :class:`Component` carries its lazy target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .._suggest import did_you_mean
from ..errors import UnknownComponentError
from .records import AnySpec, Kind, PluginRecord


@dataclass(frozen=True, slots=True)
class Component:
    """A component and the plugin that contributes it."""

    spec: AnySpec
    plugin: PluginRecord

    @property
    def kind(self) -> Kind:
        """The component's kind (transform, kernel, backend, hw_transform, step)."""
        return self.spec.kind

    @property
    def name(self) -> str:
        """The component's short name, unique within its plugin (``"RemoveIdentity"``)."""
        return self.spec.name

    @property
    def qualified_name(self) -> str:
        """``namespace:Name``, unique across all plugins."""
        return f"{self.plugin.namespace}:{self.spec.name}"

    def to_json(self) -> dict[str, object]:
        """The component as documented in docs/cli.md (``plugins show --json``)."""
        return {
            "kind": str(self.kind),
            "name": self.spec.name,
            "qualified_name": self.qualified_name,
            "target": self.spec.target,
            "description": self.spec.description,
            **self.spec.fields(),
        }


class Registry:
    """Immutable index of components by kind and name."""

    def __init__(
        self,
        components: Iterable[Component],
        priority: Sequence[str] = (),
        unavailable: Mapping[str, str] | None = None,
    ) -> None:
        """``unavailable`` maps namespaces of unusable plugins to why, for error messages."""
        self._priority = {namespace: rank for rank, namespace in enumerate(priority)}
        self._unavailable = dict(unavailable or {})
        self._qualified: dict[tuple[Kind, str], Component] = {}
        self._short: dict[tuple[Kind, str], list[Component]] = defaultdict(list)
        for component in components:
            self._qualified[(component.kind, component.qualified_name)] = component
            self._short[(component.kind, component.name)].append(component)

    def all(self, kind: Kind | None = None) -> tuple[Component, ...]:
        """Every component (of one kind), sorted by qualified name."""
        found = (c for (k, _), c in self._qualified.items() if kind is None or k is kind)
        return tuple(sorted(found, key=lambda c: (c.kind.value, c.qualified_name)))

    def find(self, kind: Kind, name: str) -> Component:
        """The component called ``name`` (short or qualified); raises
        :class:`UnknownComponentError` with suggestions when there is none or several."""
        namespace, colon, short = name.rpartition(":")
        if colon:
            found = self._qualified.get((kind, name))
            if found is not None:
                return found
            if namespace in self._unavailable:
                raise UnknownComponentError(
                    f"{kind} {name!r}: plugin {namespace!r} is not usable: "
                    f"{self._unavailable[namespace]}",
                    fix="run 'brainsmith plugins check' for details",
                )
            raise self._unknown(kind, name)
        candidates = self._short.get((kind, short), [])
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise self._unknown(kind, name)
        ranked = sorted(
            (c for c in candidates if c.plugin.namespace in self._priority),
            key=lambda c: self._priority[c.plugin.namespace],
        )
        if ranked:
            return ranked[0]
        names = ", ".join(
            f"{c.qualified_name} ({c.plugin.distribution} {c.plugin.version})" for c in candidates
        )
        raise UnknownComponentError(
            f"{kind} {name!r} is ambiguous: {names}",
            fix="use the qualified name, or list the namespace you prefer in "
            "[tool.brainsmith] priority",
        )

    def has(self, kind: Kind, name: str) -> bool:
        """Whether some component of ``kind`` is called ``name`` (short or qualified; one or
        several): :meth:`find`'s question without building its error and suggestions."""
        _, colon, short = name.rpartition(":")
        if colon:
            return (kind, name) in self._qualified
        return bool(self._short.get((kind, short)))

    def backends_of(self, kernel: Component) -> tuple[Component, ...]:
        """The backends implementing ``kernel``, sorted by qualified name."""
        return tuple(
            c
            for c in self.all(Kind.BACKEND)
            if _qualify(str(c.spec.fields()["kernel"]), c.plugin.namespace) == kernel.qualified_name
        )

    def _unknown(self, kind: Kind, name: str) -> UnknownComponentError:
        names = [c.qualified_name for c in self.all(kind)]
        hint = did_you_mean(name, names)
        error = UnknownComponentError(
            f"no {kind} named {name!r}{hint}",
            fix="run 'brainsmith plugins list' to see the installed plugins; "
            "install the plugin that provides it",
        )
        error.missing = True
        return error


def _qualify(name: str, namespace: str) -> str:
    return name if ":" in name else f"{namespace}:{name}"
