"""Providers: named implementations per category (``attention``, ``ffn``…), one the default.

Plugins contribute :class:`ProviderSpec` records through the ``brainsmith_providers`` hook;
targets are ``module:attr`` strings imported on first use. Code can also register objects
directly, the APT way::

    providers = ProviderRegistry.from_plugin_manager(pm)
    providers.register("attention", "flash_v2", FlashV2, default=False)
    cls = providers.get("attention", "flash_v2")
    cls = providers.get("attention")            # the category's default
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._names import check_name, check_target
from .._suggest import did_you_mean
from .._targets import MissingAttribute, load_target
from ..errors import UnknownComponentError

if TYPE_CHECKING:
    import pluggy


class ProviderError(UnknownComponentError):
    """A provider name is unknown, duplicated, or a category has two defaults."""


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One named implementation of a category; ``target`` is ``"module:attr"``."""

    category: str
    name: str
    target: str
    default: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.category, "category")
        check_name(self.name, "provider name")
        check_target(self.target)


@dataclass(slots=True)
class _Provider:
    spec: ProviderSpec | None
    value: Any
    loaded: bool
    source: str


class ProviderRegistry:
    """Providers by category and name. Loading a target imports its module once."""

    def __init__(self) -> None:
        self._providers: dict[str, dict[str, _Provider]] = {}
        self._defaults: dict[str, str] = {}

    @classmethod
    def from_plugin_manager(cls, plugin_manager: pluggy.PluginManager) -> ProviderRegistry:
        """Collect every registered plugin's ``brainsmith_providers`` records."""
        registry = cls()
        hook = getattr(plugin_manager.hook, "brainsmith_providers", None)
        for impl in hook.get_hookimpls() if hook is not None else ():
            for spec in impl.function() or ():
                registry.add(spec, source=impl.plugin_name)
        return registry

    def add(self, spec: ProviderSpec, *, source: str = "") -> None:
        """Add a lazily imported provider."""
        if not isinstance(spec, ProviderSpec):
            raise ProviderError(
                f"{spec!r} is not a ProviderSpec",
                where=f"plugin {source}" if source else "",
                fix="return brainsmith.lifecycle.ProviderSpec records from brainsmith_providers",
            )
        self._put(spec.category, spec.name, _Provider(spec, None, False, source), spec.default)

    def register(
        self, category: str, name: str, value: Any, *, default: bool = False, source: str = ""
    ) -> None:
        """Add a provider object directly (APT's ``register(category, name, cls, default)``)."""
        check_name(category, "category")
        check_name(name, "provider name")
        self._put(category, name, _Provider(None, value, True, source), default)

    def _put(self, category: str, name: str, provider: _Provider, default: bool) -> None:
        entries = self._providers.setdefault(category, {})
        if name in entries:
            raise ProviderError(
                f"provider {category}/{name} is registered twice: by "
                f"{entries[name].source or '?'} and by {provider.source or '?'}",
                fix="rename one of them or disable one of the plugins",
            )
        if default and category in self._defaults:
            first = entries[self._defaults[category]]
            raise ProviderError(
                f"category {category!r} has two defaults: {self._defaults[category]!r} from "
                f"{first.source or '?'} and {name!r} from {provider.source or '?'}",
                fix="mark only one provider of a category as default",
            )
        entries[name] = provider
        if default:
            self._defaults[category] = name

    def categories(self) -> list[str]:
        """Every category, sorted."""
        return sorted(self._providers)

    def names(self, category: str) -> list[str]:
        """The provider names of ``category``, sorted."""
        return sorted(self._providers.get(category, {}))

    def default(self, category: str) -> str | None:
        """The default provider name of ``category``, if any."""
        return self._defaults.get(category)

    def get(self, category: str, name: str | None = None) -> Any:
        """The provider ``name`` of ``category`` (its default if ``name`` is None), imported."""
        entries = self._providers.get(category)
        if entries is None:
            raise ProviderError(
                f"no provider category {category!r}{did_you_mean(category, self._providers)}",
                fix=f"categories: {', '.join(self.categories()) or '(none registered)'}",
            )
        if name is None:
            name = self._defaults.get(category)
            if name is None:
                raise ProviderError(
                    f"category {category!r} has no default provider",
                    fix=f"name one of: {', '.join(sorted(entries))}",
                )
        provider = entries.get(name)
        if provider is None:
            raise ProviderError(
                f"no {category} provider named {name!r}{did_you_mean(name, entries)}",
                fix=f"choose one of: {', '.join(self._choices(category))}",
            )
        if not provider.loaded:
            assert provider.spec is not None
            provider.value = _load(provider.spec, provider.source)
            provider.loaded = True
        return provider.value

    def _choices(self, category: str) -> list[str]:
        default = self._defaults.get(category)
        return [f"{n} (default)" if n == default else n for n in self.names(category)]


def _load(spec: ProviderSpec, source: str) -> Any:
    where = f"provider {spec.category}/{spec.name}" + (f" of plugin {source}" if source else "")
    try:
        return load_target(spec.target)
    except (ImportError, MissingAttribute) as exc:
        raise ProviderError(
            f"cannot load target {spec.target!r}: {exc}",
            where=where,
            fix="check the target's module and attribute, or reinstall the plugin",
        ) from exc
