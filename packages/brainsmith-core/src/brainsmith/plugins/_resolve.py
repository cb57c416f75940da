"""Resolve: one verdict per discovered plugin, every problem found at once.

Checks each plugin against the running core (Requires-Dist on ``brainsmith-core`` and the
manifest's plugin-API range), the project's pins, the other plugins (namespace collisions,
``requires`` and ``conflicts``, cycles) and the switches (autoload, allowlist, ``disable``).
A pure function of its inputs: the same records and settings give the same resolution.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .._order import dependency_order
from .._requirements import Requirement
from .._requirements import canonical_name as canonicalize_name
from .._requirements import parse_requirement as _requirement
from .._suggest import did_you_mean
from .._version import CORE_DISTRIBUTION
from ._settings import ALLOWLIST_ENV, AUTOLOAD_ENV, Settings
from .records import Form, PluginRecord, requirement_name
from .verdicts import Problem, Resolution, Severity, State, Verdict

__all__ = ["Problem", "Resolution", "State", "Verdict", "resolve"]


def resolve(
    records: Iterable[PluginRecord],
    settings: Settings,
    *,
    core_version: str,
    plugin_api: str,
    installed: Mapping[str, str],
) -> Resolution:
    """Decide every plugin's state.

    ``installed`` maps canonical distribution names to versions, for at least every pinned
    distribution that is installed.
    """
    checker = _Checker(tuple(records), settings, core_version, plugin_api, installed)
    return checker.run()


class _Checker:
    """Accumulates verdicts; each check only demotes plugins that are still usable."""

    def __init__(
        self,
        records: tuple[PluginRecord, ...],
        settings: Settings,
        core_version: str,
        plugin_api: str,
        installed: Mapping[str, str],
    ) -> None:
        self.records = records
        self.settings = settings
        self.core_version = Version(core_version)
        self.plugin_api = Version(plugin_api)
        self.installed = installed
        self.states: dict[int, State] = {}
        self.problems: dict[int, list[Problem]] = defaultdict(list)
        self.global_problems: list[Problem] = []
        self.missing: list[Verdict] = []
        for index, record in enumerate(records):
            self.states[index] = (
                State.ACTIVE if record.components is not None else State.NOT_ACTIVATED
            )

    # -- helpers -----------------------------------------------------------------------------

    def _usable(self) -> list[int]:
        return [i for i, s in self.states.items() if s.usable]

    def _demote(
        self,
        index: int,
        state: State,
        reason: str,
        fix: str,
        severity: Severity = "error",
        *,
        code: str = "",
    ) -> None:
        record = self.records[index]
        if self.states[index] is State.DISABLED:
            return  # a disabled plugin is not loaded: nothing else about it matters
        if self.states[index].usable:
            self.states[index] = state
        self.problems[index].append(
            Problem(
                severity, record.namespace, record.distribution, record.version, reason, fix, code
            )
        )

    # -- checks ------------------------------------------------------------------------------

    def run(self) -> Resolution:
        self._switches()
        self._only_pinned()
        self._broken()
        self._collisions()
        self._core()
        self._pins()
        self._conflicts()
        self._requires()
        order = self._order()
        self._requires()
        verdicts = [
            Verdict(
                r.namespace, r.distribution, r.version, self.states[i], r, tuple(self.problems[i])
            )
            for i, r in enumerate(self.records)
        ]
        verdicts.extend(self.missing)
        problems = [
            p for i in range(len(self.records)) for p in self.problems[i] if p.severity != "info"
        ]
        problems.extend(p for v in self.missing for p in v.problems)
        problems.extend(self.global_problems)
        usable = {self.records[i].namespace for i in self._usable()}
        return Resolution(tuple(verdicts), tuple(problems), tuple(n for n in order if n in usable))

    def _broken(self) -> None:
        for index, record in enumerate(self.records):
            if record.error:
                self._demote(index, State.BROKEN, record.error, record.fix)

    def _collisions(self) -> None:
        by_namespace: dict[str, list[int]] = defaultdict(list)
        for index, record in enumerate(self.records):
            if self.states[index] is not State.DISABLED:
                by_namespace[record.namespace].append(index)
        for namespace, indices in by_namespace.items():
            if len(indices) < 2:
                continue
            owner = self.records[indices[0]]
            twice = all(self.records[i].distribution == owner.distribution for i in indices)
            dist = owner.label.partition(" (")[2][:-1]
            for index in indices:
                others = ", ".join(
                    self.records[o].label.partition(" (")[2][:-1] for o in indices if o != index
                )
                self._demote(
                    index,
                    State.INCOMPATIBLE,
                    f"{dist} declares the entry point {namespace!r} {len(indices)} times"
                    if twice  # one distribution's pyproject names the plugin twice
                    else f"namespace {namespace!r} is also claimed by {others}",
                    f"report it to the maintainers of {owner.distribution}: declare it once"
                    if twice
                    else "uninstall one of them (pip uninstall NAME): a namespace must belong to "
                    "one distribution",
                )

    def _switches(self) -> None:
        """``disable``, the allowlist and autoload; a name there (or in a ``priority`` the user
        set) that matches no plugin is an error with did-you-mean."""
        known = {r.namespace for r in self.records}
        settings = self.settings
        origin = settings.source or "settings"
        named = [("disable", origin, n) for n in settings.disable]
        if settings.allowlist is not None:
            named += [(ALLOWLIST_ENV, "environment", n) for n in settings.allowlist]
        if settings.priority_given:
            named += [("priority", origin, n) for n in settings.priority]
        self.global_problems.extend(settings.switch_problems())
        for key, where, name in named:
            if name not in known:
                self.global_problems.append(
                    Problem(
                        "error",
                        where,
                        "",
                        "",
                        f"{key} names {name!r}, but no installed plugin has that namespace"
                        + did_you_mean(name, known),
                        f"use one of: {', '.join(sorted(known)) or '(no plugins installed)'}",
                        "setting",
                    )
                )
        for index, record in enumerate(self.records):
            if record.namespace in settings.disable:
                self._demote(
                    index,
                    State.DISABLED,
                    f"disabled by 'disable' in {settings.source}",
                    "remove it from 'disable' to load it",
                    "info",
                )
            elif settings.allowlist is not None and record.namespace not in settings.allowlist:
                why = (
                    f"autoloading is off ({AUTOLOAD_ENV})"
                    if not settings.autoload
                    else f"not named by {ALLOWLIST_ENV}"
                )
                self._demote(
                    index,
                    State.DISABLED,
                    why,
                    f"add it to {ALLOWLIST_ENV} to load it",
                    "info",
                )

    def _core(self) -> None:
        for index, record in enumerate(self.records):
            for line in record.requires_dist:
                if requirement_name(line) != CORE_DISTRIBUTION:
                    continue  # parse only the lines that matter
                try:
                    requirement = _requirement(line)
                except ValueError:  # packaging's InvalidRequirement
                    continue
                if canonicalize_name(requirement.name) != CORE_DISTRIBUTION:
                    continue
                if requirement.marker is not None and not _marker_holds(requirement):
                    continue
                if not requirement.specifier.contains(self.core_version, prereleases=True):
                    self._demote(
                        index,
                        State.INCOMPATIBLE,
                        f"requires {CORE_DISTRIBUTION}{requirement.specifier}, but "
                        f"{CORE_DISTRIBUTION} {self.core_version} is running",
                        f"pip install '{CORE_DISTRIBUTION}{requirement.specifier}', or install a "
                        f"release of {record.distribution} made for {CORE_DISTRIBUTION} "
                        f"{self.core_version}",
                    )
            api = record.declaration.api
            if api:
                try:
                    fits = SpecifierSet(api).contains(self.plugin_api, prereleases=True)
                except InvalidSpecifier:
                    fits = False
                if not fits:
                    self._demote(
                        index,
                        State.INCOMPATIBLE,
                        f"written for plugin API {api}, but this core provides plugin API "
                        f"{self.plugin_api}",
                        f"install a release of {record.distribution} whose manifest accepts "
                        f"plugin API {self.plugin_api}",
                    )

    def _only_pinned(self) -> None:
        settings = self.settings
        if not settings.only_pinned:
            return
        pinned = {canonicalize_name(_requirement(text).name) for text in settings.pins}
        for index, record in enumerate(self.records):
            if record.form is Form.DIRECTORY:
                continue  # named by the settings themselves: chosen as much as a pin
            if canonicalize_name(record.distribution) not in pinned:
                self._demote(
                    index,
                    State.DISABLED,
                    f"{record.distribution} is not pinned and only-pinned = true",
                    f'pin it in {settings.source}: plugins = ["{record.distribution}'
                    f'=={record.version}"]',
                    "info",
                )

    def _pins(self) -> None:
        settings = self.settings
        for text in settings.pins:
            requirement = _requirement(text)
            name = canonicalize_name(requirement.name)
            members = [
                i for i, r in enumerate(self.records) if canonicalize_name(r.distribution) == name
            ]
            version = self.installed.get(name)
            if version is None:
                plugin_distributions = {
                    r.distribution for r in self.records if r.form is not Form.DIRECTORY
                }
                problem = Problem(
                    "error",
                    requirement.name,
                    requirement.name,
                    "",
                    f"pinned as {text!r} in {settings.source} but not installed"
                    + _close_distributions(name, plugin_distributions),
                    f"pip install '{text}', or correct the name in {settings.source}",
                    "pin",
                )
                self.missing.append(
                    Verdict("-", requirement.name, "", State.MISSING, None, (problem,))
                )
                continue
            if not requirement.specifier.contains(_version(version), prereleases=True):
                fix = f"pip install '{text}'"
                reason = f"version {version} does not satisfy the pin {text!r} in {settings.source}"
                if not any(self.states[i] is not State.DISABLED for i in members):
                    self.global_problems.append(
                        Problem(
                            "error", requirement.name, requirement.name, version, reason, fix, "pin"
                        )
                    )
                for index in members:
                    self._demote(index, State.INCOMPATIBLE, reason, fix, code="pin")

    def _conflicts(self) -> None:
        usable = self._usable()
        by_namespace = {self.records[i].namespace: i for i in usable}
        for index in usable:
            record = self.records[index]
            for text in record.declaration.conflicts:
                requirement = self._plugin_requirement(index, text, "conflicts")
                if requirement is None:
                    continue
                other = by_namespace.get(requirement.name)
                if other is None or other == index:
                    continue
                other_record = self.records[other]
                if not requirement.specifier.contains(
                    _version(other_record.version), prereleases=True
                ):
                    continue
                for a, b in ((index, other), (other, index)):
                    self._demote(
                        a,
                        State.INCOMPATIBLE,
                        f"cannot be active beside {self.records[b].label}: "
                        f"{record.namespace} declares conflicts = [{text!r}]",
                        f"uninstall one of {record.distribution} and {other_record.distribution}, "
                        "or disable one in [tool.brainsmith] disable",
                    )

    def _requires(self) -> None:
        changed = True
        while changed:
            changed = False
            usable = self._usable()
            by_namespace = {self.records[i].namespace: i for i in usable}
            all_namespaces = {r.namespace: i for i, r in enumerate(self.records)}
            for index in usable:
                for text in self.records[index].declaration.requires:
                    requirement = self._plugin_requirement(index, text, "requires")
                    if requirement is None:
                        changed = True
                        break
                    target = by_namespace.get(requirement.name)
                    if target is None:
                        other = all_namespaces.get(requirement.name)
                        why = (
                            "which is not installed"
                            if other is None
                            else f"which is {self.states[other]}"
                        )
                        self._demote(
                            index,
                            State.INCOMPATIBLE,
                            f"requires plugin {text!r}, {why}",
                            f"install a distribution providing the plugin {requirement.name!r}"
                            if other is None
                            else f"fix {self.records[other].label} first",
                        )
                        changed = True
                        break
                    version = self.records[target].version
                    if not requirement.specifier.contains(_version(version), prereleases=True):
                        self._demote(
                            index,
                            State.INCOMPATIBLE,
                            f"requires plugin {text!r}, but {self.records[target].label} "
                            "is installed",
                            f"pip install -U '{self.records[target].distribution}"
                            f"{requirement.specifier}'",
                        )
                        changed = True
                        break

    def _plugin_requirement(self, index: int, text: str, key: str) -> Requirement | None:
        try:
            return _requirement(text)
        except ValueError:  # packaging's InvalidRequirement
            self._demote(
                index,
                State.BROKEN,
                f"{key} entry {text!r} is not 'namespace' plus an optional version specifier",
                f"fix the manifest {self.records[index].location}",
            )
            return None

    def _order(self) -> list[str]:
        usable = self._usable()
        by_namespace = {self.records[i].namespace: i for i in usable}
        graph: dict[str, list[str]] = {}
        for index in usable:
            record = self.records[index]
            deps = []
            for text in record.declaration.requires:
                try:
                    name = _requirement(text).name
                except ValueError:  # packaging's InvalidRequirement
                    continue
                if name in by_namespace:
                    deps.append(name)
            graph[record.namespace] = deps
        order, cycles = dependency_order(graph)
        for cycle in cycles:
            text = " -> ".join(cycle)
            for name in set(cycle):
                self._demote(
                    by_namespace[name],
                    State.INCOMPATIBLE,
                    f"requires cycle: {text}",
                    "break the cycle: one of these plugins must stop requiring the next",
                )
        return order


def _close_distributions(name: str, distributions: Iterable[str]) -> str:
    """Did-you-mean over distribution names. Plugin distributions share long prefixes
    (``brainsmith-plugin-``) that make every name look close: a suggestion must be close as a
    whole and in the part after the prefix (up to a ``-``) it shares with ``name``."""
    from difflib import SequenceMatcher

    close = []
    for candidate in sorted(set(distributions)):
        other = canonicalize_name(candidate)
        shared = next(
            (i for i, (x, y) in enumerate(zip(name, other, strict=False)) if x != y),
            min(len(name), len(other)),
        )
        cut = name.rfind("-", 0, shared) + 1
        whole = SequenceMatcher(None, name, other).ratio()
        tail = SequenceMatcher(None, name[cut:], other[cut:]).ratio()
        if tail >= 0.6 and (whole >= 0.9 or (cut == 0 and whole >= 0.8)):  # "goood": "good"
            close.append(candidate)
    return f" (did you mean {', '.join(map(repr, close[:3]))}?)" if close else ""


def _marker_holds(requirement: Requirement) -> bool:
    from packaging.markers import UndefinedEnvironmentName  # only a line with a marker

    assert requirement.marker is not None
    try:
        return requirement.marker.evaluate({"extra": ""})
    except UndefinedEnvironmentName:
        return False


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")
