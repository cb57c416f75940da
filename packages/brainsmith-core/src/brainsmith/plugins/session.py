"""A session: the discovered, resolved plugin state of one CLI run or API user.

Ties discovery → resolution → registry → activation together around one pluggy
``PluginManager``. There is no global session; create one per run::

    session = Session.from_environment()
    component = session.component(Kind.TRANSFORM, "InferShapes")
    InferShapes = session.load(component)     # the plugin's code is imported here, not before
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import CORE_DISTRIBUTION, __version__
from ..errors import PluginError
from ._settings import Settings
from .records import Form, Kind, PluginRecord
from .verdicts import Problem, Resolution, State, Verdict

if TYPE_CHECKING:
    import pluggy

    from .registry import Component, Registry


# Importing pluggy, packaging, the manifest reader, the resolver and the registry (difflib) is
# most of a short command's cost: they are imported where needed, so a cached start-up never
# pays for them.


class Session:
    """Plugin state for one run: resolution verdicts, the registry and activated plugins."""

    def __init__(
        self,
        settings: Settings,
        resolution: Resolution,
        *,
        path: Sequence[str] | None = None,
        strict: bool = False,
    ) -> None:
        """A session of ``resolution`` under ``settings`` (``strict``: as ``strict = true``),
        activating plugins found on ``path`` (default ``sys.path``)."""
        if strict and not settings.strict:
            settings = replace(settings, strict=True)
        self.settings = settings
        self.resolution = resolution
        self._path = path
        # with a namespace collision, the usable verdict (if any) wins the name
        ordered = sorted(resolution.verdicts, key=lambda v: v.state.usable)
        self._records = {v.namespace: v.record for v in ordered if v.record}
        self._usable = {v.namespace for v in resolution.verdicts if v.state.usable}
        self._activated: set[str] = set()
        self._failures: dict[str, Problem] = {}
        self._static: dict[str, tuple[Problem, ...]] = {}
        self._manager: pluggy.PluginManager | None = None
        self._registry: tuple[tuple[frozenset[str], frozenset[str]], Registry] | None = None
        self._forget: Callable[[], None] | None = None  # deletes the cache entries used

    @classmethod
    def from_environment(
        cls,
        cwd: Path | None = None,
        environ: Mapping[str, str] | None = None,
        path: Sequence[str] | None = None,
        *,
        cache: Path | bool = True,
        strict: bool = False,
    ) -> Session:
        """The plugin selection every command uses: discover installed plugins (on ``path``,
        default ``sys.path``) and the directory plugins the settings name, read the project
        settings from ``cwd`` up and the switches, and resolve everything.

        ``strict`` (``--strict``) acts like ``strict = true`` in the settings: every warning
        becomes an error (:meth:`problems`) and :meth:`enforce` fails on any problem.
        The result is cached on disk (:mod:`brainsmith.plugins._cache`) for the default ``path``;
        ``cache`` may name the cache folder, or be ``False`` to bypass it.
        """
        from ._selection import forget, select

        settings, resolution = select(cwd, environ, path, cache)
        session = cls(settings, resolution, path=path, strict=strict)
        session._forget = lambda: forget(environ, path, cache)
        return session

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
        """Resolution problems plus activation failures and static findings so far; under
        ``strict`` every warning is an error."""
        failures = tuple(self._failures.values())
        found = tuple(p for ps in self._static.values() for p in ps if p not in failures)
        return self._graded(self.resolution.problems + failures + found)

    def left_out(self) -> tuple[str, ...]:
        """One line per problem, for a command that goes on without what it concerns (compile):
        ``plugin x (brainsmith-plugin-x 1.1) left out: incompatible: ...``, an unmet pin or a
        settings name that matches nothing; a plugin's line ends with its fix."""
        lines = []
        for problem in self.problems():
            verdict = self.resolution.verdict(problem.subject)
            if verdict is not None and verdict.record is not None:
                state = self._current(verdict).state
                label = self.describe(problem.subject)
                fix = f"\n  fix: {problem.fix}" if problem.fix else ""
                lines.append(f"plugin {label} left out: {state}: {problem.reason}{fix}")
            elif problem.code == "pin":
                lines.append(f"unmet pin: {problem.one_line()}")
            else:
                lines.append(problem.one_line())
        return tuple(lines)

    def enforce(self, command: str) -> None:
        """Under ``strict``, raise :class:`PluginError` listing every problem (exit 2); without
        it do nothing: the problems are the caller's warnings."""
        problems = self.problems()
        if not (self.settings.strict and problems):
            return
        origin = f"strict = true in {self.settings.source}" if self.settings.source else ""
        raise PluginError(
            f"{command}: {len(problems)} plugin problem(s) under strict mode:\n    "
            + "\n    ".join(p.one_line() for p in problems),
            fix="fix them (brainsmith plugins check), or run without " + (origin or "--strict"),
        )

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
        from ._directories import activate_folder

        for requirement in verdict.record.declaration.requires:
            self.activate(Requirement(requirement).name)
        try:
            if verdict.record.form is Form.DIRECTORY:
                record = activate_folder(verdict.record)
            else:
                self._verify(verdict.record)
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
        """Activate every usable plugin (a directory plugin whose components are known has no
        hooks: it waits for the first use of a component); failures are recorded and
        returned, not raised."""
        self._try_activate(
            n
            for n in self.resolution.order
            if self._records[n].form is not Form.DIRECTORY or self._records[n].components is None
        )
        return tuple(self._failures.values())

    def check(self, *, activate: bool = False) -> tuple[Problem, ...]:
        """Every problem ``brainsmith plugins check`` reports: resolution problems, what static
        checking finds in every usable plugin (:meth:`static_check`) and failures activating
        code-defined plugins (their components are unknown until imported); manifest-first
        plugins stay unimported. With ``activate``, every plugin is imported as well and its
        component targets are checked against their kinds
        (:func:`brainsmith.plugins._activate_check.kind_problems`)."""
        for namespace in self.resolution.order:
            self.static_check(namespace)
        from ._activate_check import kind_problems, stage_problems

        if activate:
            self.activate_all()
        else:
            self._activate_unknown("")
        for problem in stage_problems(self):  # code plugins' stages: known once activated
            found = self._static.get(problem.subject, ())
            self._static[problem.subject] = found + (() if problem in found else (problem,))
            if problem.severity == "error":  # as static_check: the plugin is not usable
                self._failures.setdefault(problem.subject, problem)
        return self.problems() + (tuple(kind_problems(self)) if activate else ())

    def static_check(self, namespace: str) -> tuple[Problem, ...]:
        """What :func:`brainsmith.plugins._static_check.static_findings` finds in the usable
        plugin ``namespace`` without running its code, as problems; the first error marks the
        plugin broken for the rest of the session (it is not activated then). A directory
        plugin's modules were parsed when it was listed: only its stages are left to check."""
        record = self._records.get(namespace)
        if record is None:
            return ()
        if namespace in self._static or namespace not in self._usable:
            return self._static.get(namespace, ())
        from ._static_check import static_problems

        problems = static_problems(record, self._path)
        self._static[namespace] = problems
        errors = [p for p in problems if p.severity == "error"]
        if errors and namespace not in self._failures and namespace not in self._activated:
            self._failures[namespace] = errors[0]
        return problems

    def unusable(self, problems: Iterable[Problem]) -> frozenset[str]:
        """Namespaces of plugins that are not usable, or that one of ``problems`` (errors)
        concerns."""
        named = {p.subject for p in problems if p.severity == "error"}
        return frozenset(
            v.namespace for v in self.verdicts() if not v.state.usable or v.namespace in named
        )

    # -- components ------------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """Components of every usable plugin whose components are known so far.

        Derived from the activations and failures so far: built again only when they changed.
        """
        key = (frozenset(self._activated), frozenset(self._failures))
        if self._registry is None or self._registry[0] != key:
            from .registry import Component, Registry

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

        registry = self.registry
        if registry.has(Kind.HW_TRANSFORM, name) and not registry.has(Kind.TRANSFORM, name):
            return self.component(Kind.HW_TRANSFORM, name)  # no transform's suggestions built
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

    def _verify(self, record: PluginRecord) -> None:
        """What is imported comes from the manifest as it is now; a (cached) record that
        contradicts it has the cache entries it came from deleted, so the next run scans."""
        from ._discovery import verify_record

        try:
            verify_record(record)
        except PluginError:
            if self._forget is not None:
                self._forget()
            raise

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

    def _graded(self, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
        if not self.settings.strict:
            return problems
        return tuple(
            replace(p, severity="error") if p.severity == "warning" else p for p in problems
        )

    def _current(self, verdict: Verdict) -> Verdict:
        namespace = verdict.namespace
        if not verdict.state.usable:
            return verdict
        found = self._static.get(namespace, ())
        if namespace in self._failures:
            failure = self._failures[namespace]
            problems = (failure, *(p for p in found if p != failure))
            return replace(verdict, state=State.BROKEN, problems=problems)
        record = self._records[namespace]
        state = State.ACTIVE if record.components is not None else State.NOT_ACTIVATED
        return replace(verdict, state=state, record=record, problems=verdict.problems + found)
