"""Providers: named implementations per category, one default, contributed by a hookspec."""

from __future__ import annotations

import pytest
from brainsmith import hookimpl
from brainsmith.lifecycle import ProviderError, ProviderRegistry, ProviderSpec
from brainsmith.plugins import new_plugin_manager


class Contributor:
    @hookimpl
    def brainsmith_providers(self) -> list[ProviderSpec]:
        return [
            ProviderSpec("attention", "dense", "collections:OrderedDict", default=True),
            ProviderSpec("attention", "flash_v2", "collections:Counter"),
            ProviderSpec("ffn", "broken", "collections:NoSuchThing"),
        ]


def registry() -> ProviderRegistry:
    pm = new_plugin_manager()
    pm.register(Contributor(), name="demo")
    return ProviderRegistry.from_plugin_manager(pm)


def test_resolves_by_name_and_default_lazily() -> None:
    import collections

    providers = registry()
    assert providers.categories() == ["attention", "ffn"]
    assert providers.names("attention") == ["dense", "flash_v2"]
    assert providers.default("attention") == "dense"
    assert providers.get("attention") is collections.OrderedDict
    assert providers.get("attention", "flash_v2") is collections.Counter


def test_register_objects_directly_apt_style() -> None:
    providers = registry()
    marker = object()
    providers.register("router", "topk", marker, default=True, source="app")
    assert providers.get("router") is marker


def test_unknown_names_list_the_choices() -> None:
    providers = registry()
    with pytest.raises(ProviderError, match="no attention provider named 'flash'") as info:
        providers.get("attention", "flash")
    assert "dense (default), flash_v2" in info.value.fix
    with pytest.raises(ProviderError, match="did you mean 'attention'"):
        providers.get("atention")
    with pytest.raises(ProviderError, match="no default provider"):
        providers.get("ffn")
    with pytest.raises(ProviderError, match="cannot load target") as load:
        providers.get("ffn", "broken")
    assert "plugin demo" in load.value.where


def test_duplicates_and_two_defaults_name_both_sources() -> None:
    providers = registry()
    with pytest.raises(ProviderError, match="registered twice: by demo and by other"):
        providers.add(ProviderSpec("attention", "dense", "m:x"), source="other")
    with pytest.raises(
        ProviderError, match="two defaults: 'dense' from demo and 'fast' from other"
    ):
        providers.add(ProviderSpec("attention", "fast", "m:x", default=True), source="other")
    with pytest.raises(ValueError, match=r"module\.attr|form"):
        ProviderSpec("attention", "x", "no-colon")
    with pytest.raises(ProviderError, match="not a ProviderSpec"):
        providers.add(("attention", "x"), source="bad")  # type: ignore[arg-type]


def test_suggestions_name_every_close_choice() -> None:
    providers = registry()
    providers.register("attention", "flashy", object(), source="app")
    with pytest.raises(ProviderError) as info:
        providers.get("attention", "flash")
    assert "no attention provider named 'flash' (did you mean 'flashy', 'flash_v2'?)" in str(
        info.value
    )
    providers.register("attentions", "x", object(), source="app")
    with pytest.raises(ProviderError) as info:
        providers.get("atention")
    assert "(did you mean 'attention', 'attentions'?)" in str(info.value)
