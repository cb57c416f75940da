"""A session: the discovered, resolved plugin state of one CLI run or API user.

Ties discovery → resolution → registry → activation together around one pluggy
``PluginManager``. There is no global session; create one per run::

    session = Session.from_environment()
    component = session.component(Kind.TRANSFORM, "InferShapes")
    InferShapes = session.load(component)     # the plugin's code is imported here, not before
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import CORE_DISTRIBUTION, PLUGIN_API, __version__
from ..errors import PluginError
from ._settings import Settings
from .records import Form, Kind, PluginRecord
from .registry import Component, Registry
from .verdicts import Problem, Resolution, State, Verdict

if TYPE_CHECKING:
    import pluggy

    from . import _cache

# Importing pluggy, packaging, the manifest reader and the resolver is most of a short
# command's cost: they are imported where needed, so a cached start-up never pays for them.


class Session:
    """Plugin state for one run: resolution verdicts, the registry and activated plugins."""

    def __init__(
        self, settings: Settings, resolution: Resolution, *, path: Sequence[str] | None = None
    ) -> None:
        self.settings = settings
        self.resolution = resolution
        self._path = path
        # with a namespace collision, the usable verdict (if any) wins the name
        ordered = sorted(resolution.verdicts, key=lambda v: v.state.usable)
        self._records = {v.namespace: v.record for v in ordered if v.record}
        self._usable = {v.namespace for v in resolution.verdicts if v.state.usable}
        self._activated: set[str] = set()
        self._failures: dict[str, Problem] = {}
        self._manager: pluggy.PluginManager | None = None
        self._registry: tuple[tuple[frozenset[str], frozenset[str]], Registry] | None = None

    @classmethod
    def from_environment(
        cls,
        cwd: Path | None = None,
        environ: Mapping[str, str] | None = None,
        path: Sequence[str] | None = None,
        *,
        cache: Path | bool = True,
    ) -> Session:
        """Discover installed plugins (on ``path``, default ``sys.path``), read the project
        settings from ``cwd`` up and resolve everything.

        The result is cached on disk (:mod:`brainsmith.plugins._cache`) for the default ``path``;
        ``cache`` may name the cache folder, or be ``False`` to bypass it.
        """
        from . import _cache as disk

        env = os.environ if environ is None else environ
        folder = cwd if cwd is not None else Path.cwd()
        search = list(sys.path if path is None else path)
        directory = None
        if cache is True and path is None:
            directory = disk.cache_dir(env)
        elif isinstance(cache, Path):
            directory = cache
        store = None if directory is None else disk.Store.open(directory, search)
        if store is None:
            return cls._resolved(folder, env, path)
        # the keys are taken before anything is read: a change made meanwhile is a miss next time
        environment = disk.environment_key(search)
        settings = disk.settings_key(folder, env)
        snapshot = store.load_resolution(environment, settings)
        if snapshot is not None:
            return cls(snapshot.settings, snapshot.resolution, path=path)
        scanned = store.load_scan(environment)
        if scanned is None:
            scanned = _scan(path)
            store.save_scan(environment, scanned)
        session = cls._from_scan(scanned, folder, env, path)
        snapshot = disk.Snapshot(session.settings, session.resolution)
        store.save_resolution(environment, settings, snapshot, dict(scanned.manifests))
        return session

    @classmethod
    def _resolved(
        cls, cwd: Path, environ: Mapping[str, str], path: Sequence[str] | None
    ) -> Session:
        return cls._from_scan(_scan(path), cwd, environ, path)

    @classmethod
    def _from_scan(
        cls, scanned: _cache.Scan, cwd: Path, environ: Mapping[str, str], path: Sequence[str] | None
    ) -> Session:
        from ._resolve import resolve
        from ._settings import load_settings

        settings = load_settings(cwd, environ)
        resolution = resolve(
            scanned.records,
            settings,
            core_version=__version__,
            plugin_api=PLUGIN_API,
            installed=_installed_versions(settings.pins, path),
        )
        if scanned.problems:  # discovery's warnings (leftover metadata folders)
            resolution = replace(resolution, problems=resolution.problems + scanned.problems)
        return cls(settings, resolution, path=path)

    # -- state -----------------------------------------------------------------------------

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The pluggy manager (project ``brainsmith``) holding every activated plugin's hooks,
        each registered under its namespace."""
        if self._manager is None:
            from ._manager import new_plugin_manager

            self._manager = new_plugin_manager()
        return self._manager

    def verdicts(self) -> tuple[Verdict, ...]:
        """Every plugin's current verdict: resolution, updated by activations so far."""
        return tuple(self._current(v) for v in self.resolution.verdicts)

    def problems(self) -> tuple[Problem, ...]:
        """Resolution problems plus activation failures."""
        return self.resolution.problems + tuple(self._failures.values())

    def active_plugins(self) -> tuple[PluginRecord, ...]:
        """Usable plugins, in dependency order."""
        return tuple(self._records[n] for n in self.resolution.order if n not in self._failures)

    def describe(self, namespace: str) -> str:
        """``namespace (distribution version)`` for messages; the namespace if unknown."""
        record = self._records.get(namespace)
        return record.label if record else namespace

    # -- activation ------------------------------------------------------------------------

    def activate(self, namespace: str) -> PluginRecord:
        """Import the plugin's code (after the plugins it requires) and register its hooks.

        Raises :class:`PluginError` if the plugin is not usable or its code fails.
        """
        if namespace in self._activated:
            return self._records[namespace]
        if namespace in self._failures:
            problem = self._failures[namespace]
            raise PluginError(problem.reason, where=f"plugin {self.describe(namespace)}")
        verdict = self.resolution.verdict(namespace)
        if verdict is None or not verdict.state.usable or verdict.record is None:
            state = verdict.state if verdict else "not installed"
            reason = f": {verdict.reason}" if verdict and verdict.reason else ""
            raise PluginError(
                f"plugin {namespace!r} is {state}{reason}",
                fix="run 'brainsmith plugins check' for details",
            )
        from packaging.requirements import Requirement

        from ._activation import activate

        for requirement in verdict.record.declaration.requires:
            self.activate(Requirement(requirement).name)
        try:
            from ._discovery import verify_record

            verify_record(verdict.record)  # what is imported comes from the manifest as it is
            record = activate(verdict.record, self.plugin_manager)
        except PluginError as error:
            self._failures[namespace] = Problem(
                "error", namespace, verdict.distribution, verdict.version, error.message, error.fix
            )
            raise
        self._records[namespace] = record
        self._activated.add(namespace)
        return record

    def activate_all(self) -> tuple[Problem, ...]:
        """Activate every usable plugin; failures are recorded and returned, not raised."""
        self._try_activate(self.resolution.order)
        return tuple(self._failures.values())

    def check(self) -> tuple[Problem, ...]:
        """Every problem ``brainsmith plugins check`` reports: resolution problems, failures
        activating code-defined plugins, and manifest targets or hook modules that do not exist
        (looked up as files: manifest-first plugins stay unimported)."""
        from ._discovery import module_file_exists

        self._activate_unknown("")
        missing: list[Problem] = []
        for namespace in self.resolution.order:
            record = self._records[namespace]
            if record.form is not Form.MANIFEST or namespace in self._failures:
                continue
            modules = {record.declaration.hooks: "hooks module"} if record.declaration.hooks else {}
            for spec in record.components or ():
                modules.setdefault(spec.target.partition(":")[0], f"{spec.kind} {spec.name}")
            for module, what in modules.items():
                if not module_file_exists(module, self._path):
                    missing.append(
                        Problem(
                            "error",
                            namespace,
                            record.distribution,
                            record.version,
                            f"{what}: module {module!r} is not installed",
                            f"fix the manifest {record.location}, or install what provides "
                            f"{module.partition('.')[0]!r}",
                        )
                    )
        return self.problems() + tuple(missing)

    # -- components ------------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """Components of every usable plugin whose components are known so far.

        Derived from the activations and failures so far: built again only when they changed.
        """
        key = (frozenset(self._activated), frozenset(self._failures))
        if self._registry is None or self._registry[0] != key:
            components = [
                Component(spec, record)
                for namespace in sorted(self._usable - set(self._failures))
                if (record := self._records[namespace]).components
                for spec in record.components
            ]
            unavailable = {
                v.namespace: f"{v.state}: {v.reason}" if v.reason else str(v.state)
                for v in self.verdicts()
                if not v.state.usable
            }
            self._registry = (key, Registry(components, self.settings.priority, unavailable))
        return self._registry[1]

    def component(self, kind: Kind, name: str) -> Component:
        """Find a component by short or qualified name, activating code-defined plugins
        (whose components are unknown until imported) only if the name is not found first."""
        from ..errors import UnknownComponentError

        try:
            return self.registry.find(kind, name)
        except UnknownComponentError:
            if not self._activate_unknown(name.rpartition(":")[0]):
                raise
        return self.registry.find(kind, name)

    def step(self, name: str) -> Component:
        """A blueprint step by short or qualified name: a transform, else an hw_transform
        (kernel inference, backend choice, folding, FIFO sizing run as steps too).

        :raises UnknownComponentError: neither kind has it; suggestions come from both.
        """
        from .._suggest import did_you_mean
        from ..errors import UnknownComponentError

        try:
            return self.component(Kind.TRANSFORM, name)
        except UnknownComponentError as error:
            if not error.missing:  # ambiguous, or from a plugin that is not usable
                raise
            try:
                return self.component(Kind.HW_TRANSFORM, name)
            except UnknownComponentError as other:
                if not other.missing:
                    raise
                known = [
                    c.qualified_name
                    for kind in (Kind.TRANSFORM, Kind.HW_TRANSFORM)
                    for c in self.registry.all(kind)
                ]
                raise UnknownComponentError(
                    f"no transform or hw_transform named {name!r}{did_you_mean(name, known)}",
                    fix=error.fix,
                ) from None

    def find_components(self, kind: Kind | None = None) -> tuple[Component, ...]:
        """Every known component (of one kind), activating code-defined plugins first."""
        self._activate_unknown("")
        return self.registry.all(kind)

    def load(self, component: Component) -> Any:
        """Activate the component's plugin and import its target."""
        from ._activation import load_target

        record = self.activate(component.plugin.namespace)
        return load_target(record, component.spec)

    def check_requirements(self, requirements: Iterable[str], where: str) -> None:
        """Raise :class:`PluginError` listing every requirement string (PEP 508, on
        distributions) that the usable plugins do not satisfy."""
        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.utils import canonicalize_name

        versions = {
            canonicalize_name(r.distribution): r.version
            for n in self._usable - set(self._failures)
            if (r := self._records[n])
        }
        unmet = []
        for text in requirements:
            try:
                requirement = Requirement(text)
            except InvalidRequirement as exc:
                unmet.append(f"{text!r} is not a PEP 508 requirement ({exc})")
                continue
            name = canonicalize_name(requirement.name)
            version = versions.get(name)
            if name == CORE_DISTRIBUTION:
                version = __version__
            if version is None:
                unmet.append(f"{text}: not installed (or not usable)")
            elif not requirement.specifier.contains(version, prereleases=True):
                unmet.append(f"{text}: {requirement.name} {version} is installed")
        if unmet:
            raise PluginError(
                "unmet plugin requirement(s):\n    " + "\n    ".join(unmet),
                where=where,
                fix="pip install the listed requirements, or run 'brainsmith plugins check'",
            )

    # -- internals -------------------------------------------------------------------------

    def _activate_unknown(self, namespace: str) -> bool:
        """Activate usable plugins whose components are unknown (all, or one namespace)."""
        pending = [
            n
            for n in self.resolution.order
            if self._records[n].components is None
            and n not in self._failures
            and (not namespace or n == namespace)
        ]
        self._try_activate(pending)
        return bool(pending)

    def _try_activate(self, namespaces: Iterable[str]) -> None:
        """Activate each plugin; a failure is recorded as its verdict, never raised."""
        for namespace in namespaces:
            if namespace not in self._failures:
                with contextlib.suppress(PluginError):
                    self.activate(namespace)

    def _current(self, verdict: Verdict) -> Verdict:
        namespace = verdict.namespace
        if not verdict.state.usable:
            return verdict
        if namespace in self._failures:
            return replace(verdict, state=State.BROKEN, problems=(self._failures[namespace],))
        record = self._records[namespace]
        state = State.ACTIVE if record.components is not None else State.NOT_ACTIVATED
        return replace(verdict, state=state, record=record)


def _scan(path: Sequence[str] | None) -> _cache.Scan:
    from ._cache import Scan
    from ._discovery import scan

    found = scan(path)
    return Scan(found.records, found.problems, found.manifests)


def _installed_versions(pins: Iterable[str], path: Sequence[str] | None) -> dict[str, str]:
    """Installed versions of the pinned distributions (canonical name → version)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    for text in pins:
        name = canonicalize_name(Requirement(text).name)
        search = list(sys.path if path is None else path)
        # the first with a version: a metadata-less leftover folder may come first
        versions = (d.version for d in metadata.distributions(name=name, path=search))
        version = next((v for v in versions if v), None)
        if version is not None:
            found[name] = version
    return found
