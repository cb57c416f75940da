"""Activation: importing plugin code, collecting records, adapting legacy payloads, and every
way plugin code can fail turning into a PluginError that names the plugin."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pluggy
import pytest
from brainsmith.errors import PluginError
from brainsmith.plugins import new_plugin_manager
from brainsmith.plugins._activation import activate, load_target
from brainsmith.plugins._discovery import discover
from brainsmith.plugins.records import (
    BackendSpec,
    Form,
    HwTransformSpec,
    KernelSpec,
    PluginRecord,
    TransformSpec,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from conftest import FakeSite


def manager() -> pluggy.PluginManager:
    return new_plugin_manager()


def code_plugin(
    site: FakeSite, namespace: str, value: str, files: Mapping[str, str]
) -> PluginRecord:
    site.fake_dist(
        f"brainsmith-plugin-{namespace}", "1.0", entry_points={namespace: value}, files=files
    )
    (record,) = (r for r in discover(site.path) if r.namespace == namespace)
    return record


def failure(record: PluginRecord) -> PluginError:
    with pytest.raises(PluginError) as info:
        activate(record, manager())
    assert info.value.where == f"plugin {record.label}"
    return info.value


PLUGGY_MODULE = """
from brainsmith import hookimpl
from brainsmith.plugins.decorators import backend, kernel
from brainsmith.plugins.records import TransformSpec


@kernel
class Conv:
    '''A convolution.

    More text.'''


@backend(kernel="Conv", language="rtl")
class ConvRTL:
    pass


@hookimpl
def brainsmith_transforms():
    return [TransformSpec(name="Tidy", target="pp_a.plugin:Tidy", stage="graph_cleanup")]


@hookimpl
def brainsmith_kernels():
    return [Conv]


@hookimpl
def brainsmith_backends():
    return (ConvRTL,)


@hookimpl
def brainsmith_hw_transforms():
    return None
"""


def test_plain_pluggy_plugin(site: FakeSite) -> None:
    record = code_plugin(
        site, "pa", "pp_a.plugin", {"pp_a/__init__.py": "", "pp_a/plugin.py": PLUGGY_MODULE}
    )
    assert (record.form, record.components) == (Form.PLUGGY, None)
    pm = manager()
    activated = activate(record, pm)
    assert activated.form is Form.PLUGGY
    assert activated.components == (
        TransformSpec(name="Tidy", target="pp_a.plugin:Tidy", stage="graph_cleanup"),
        KernelSpec(name="Conv", target="pp_a.plugin:Conv", description="A convolution."),
        BackendSpec(name="ConvRTL", target="pp_a.plugin:ConvRTL", kernel="Conv", language="rtl"),
    )
    assert pm.get_plugin("pa") is sys.modules["pp_a.plugin"]
    conv = load_target(activated, activated.components[1])
    assert conv is sys.modules["pp_a.plugin"].Conv


def test_hooks_on_an_object_attribute(site: FakeSite) -> None:
    module = """
from brainsmith import hookimpl
from brainsmith.plugins.records import KernelSpec

class Plugin:
    @hookimpl
    def brainsmith_kernels(self):
        return [KernelSpec(name="K", target="pp_o:K")]

plugin = Plugin()
"""
    record = code_plugin(site, "po", "pp_o:plugin", {"pp_o/__init__.py": module})
    assert activate(record, manager()).components == (KernelSpec(name="K", target="pp_o:K"),)


FINN_PAYLOAD = """
def register_all():
    return {
        "kernels": [
            {
                "name": "MVAU",
                "module": "finn.custom_op.fpgadataflow.matrixvectoractivation",
                "class_name": "MVAU",
                "infer_transform": "finn.transformation.fpgadataflow.convert_to_hw_layers:"
                "InferQuantizedMatrixVectorActivation",
            },
            {
                "name": "Thresholding",
                "module": "finn.custom_op.fpgadataflow.thresholding",
                "class_name": "Thresholding",
                "infer_transform": {
                    "module": "finn.transformation.fpgadataflow.convert_to_hw_layers",
                    "class_name": "InferThresholdingLayer",
                },
            },
            {
                "name": "StreamingFIFO",
                "module": "finn.custom_op.fpgadataflow.streamingfifo",
                "class_name": "StreamingFIFO",
                "is_infrastructure": True,
            },
        ],
        "backends": [
            {
                "name": "MVAU_hls",
                "module": "finn.custom_op.fpgadataflow.hls.matrixvectoractivation_hls",
                "class_name": "MVAU_hls",
                "target_kernel": "finn:MVAU",
                "language": "hls",
            },
        ],
        "steps": [
            {"name": "step_tidy_up", "module": "finn.builder.build_dataflow_steps",
             "func_name": "step_tidy_up"},
            {"name": "step_streamline", "module": "finn.builder.build_dataflow_steps",
             "func_name": "step_streamline", "stage": "topology_optimization"},
        ],
    }
"""


def test_legacy_payload_in_finn_shape(site: FakeSite) -> None:
    record = code_plugin(
        site,
        "finn",
        "fakefinn.util.brainsmith_integration:register_all",
        {
            "fakefinn/__init__.py": "",
            "fakefinn/util/__init__.py": "",
            "fakefinn/util/brainsmith_integration.py": FINN_PAYLOAD,
        },
    )
    activated = activate(record, manager())
    assert activated.form is Form.LEGACY
    hw = "finn.transformation.fpgadataflow.convert_to_hw_layers"
    steps = "finn.builder.build_dataflow_steps"
    assert activated.components == (
        KernelSpec(name="MVAU", target="finn.custom_op.fpgadataflow.matrixvectoractivation:MVAU"),
        HwTransformSpec(
            name="InferQuantizedMatrixVectorActivation",
            target=f"{hw}:InferQuantizedMatrixVectorActivation",
            kernels=("MVAU",),
        ),
        KernelSpec(
            name="Thresholding", target="finn.custom_op.fpgadataflow.thresholding:Thresholding"
        ),
        HwTransformSpec(
            name="InferThresholdingLayer",
            target=f"{hw}:InferThresholdingLayer",
            kernels=("Thresholding",),
        ),
        KernelSpec(
            name="StreamingFIFO",
            target="finn.custom_op.fpgadataflow.streamingfifo:StreamingFIFO",
            infrastructure=True,
        ),
        BackendSpec(
            name="MVAU_hls",
            target="finn.custom_op.fpgadataflow.hls.matrixvectoractivation_hls:MVAU_hls",
            kernel="finn:MVAU",
            language="hls",
        ),
        TransformSpec(
            name="step_tidy_up",
            target=f"{steps}:step_tidy_up",
            stage="kernel_mapping",
            metadata=(("legacy", "step"),),
        ),
        TransformSpec(
            name="step_streamline",
            target=f"{steps}:step_streamline",
            stage="topology_optimization",
            metadata=(("legacy", "step"),),
        ),
    )


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ("[]", "returned list, expected a dict with keys kernels, backends, steps"),
        ("{'kernels': [], 'extras': []}", "unknown key(s) 'extras' in the payload"),
        ("{'kernels': {}}", "'kernels' must be a list of dicts"),
        ("{'kernels': [{'module': 'm', 'class_name': 'C'}]}", "kernels[0]: 'name' is missing"),
        (
            "{'backends': [{'name': 'B', 'module': 'm', 'class_name': 'C', 'target_kernel': 'K'}]}",
            "backends[0]: 'language' is missing or not a string",
        ),
        (
            "{'backends': [{'name': 'B', 'module': 'm', 'class_name': 'C', 'target_kernel': 'K',"
            " 'language': 'vhdl'}]}",
            "backend 'B': language 'vhdl' is not one of hls, rtl",
        ),
        (
            "{'kernels': [{'name': 'K', 'module': 'm', 'class_name': 'C',"
            " 'infer_transform': 'x'}]}",
            "kernels[0].infer_transform: 'x' must be 'module:Class'",
        ),
        ("{'steps': [{'name': 'S', 'module': 'm'}]}", "steps[0]: 'func_name' is missing"),
    ],
)
def test_malformed_legacy_payload(site: FakeSite, payload: str, detail: str) -> None:
    record = code_plugin(
        site,
        "lg",
        "lg_pkg:register_all",
        {"lg_pkg/__init__.py": f"def register_all():\n    return {payload}\n"},
    )
    error = failure(record)
    assert error.message.startswith("malformed legacy payload from lg_pkg:register_all: " + detail)
    assert error.fix.startswith("the callable must return {'kernels': [...]")


def test_legacy_callable_raising(site: FakeSite) -> None:
    record = code_plugin(
        site,
        "lg",
        "lg_pkg:register_all",
        {"lg_pkg/__init__.py": "def register_all():\n    raise ValueError('no finn here')\n"},
    )
    assert failure(record).message == (
        "calling lg_pkg:register_all raised ValueError: no finn here "
        f"(at {site.root / 'lg_pkg' / '__init__.py'}:2)"
    )


def test_import_raising(site: FakeSite) -> None:
    record = code_plugin(
        site,
        "bad",
        "bad_pkg.plugin",
        {"bad_pkg/__init__.py": "", "bad_pkg/plugin.py": "raise RuntimeError('boom')\n"},
    )
    error = failure(record)
    assert error.message == (
        "importing 'bad_pkg.plugin' raised RuntimeError: boom "
        f"(at {site.root / 'bad_pkg' / 'plugin.py'}:1)"
    )
    assert error.fix == (
        "report it to the maintainers of brainsmith-plugin-bad, or disable the plugin "
        '(BRAINSMITH_PLUGINS or [tool.brainsmith] disable = ["bad"])'
    )
    assert str(error).startswith("plugin bad (brainsmith-plugin-bad 1.0): importing")


def test_syntax_error(site: FakeSite) -> None:
    record = code_plugin(
        site,
        "syn",
        "syn_pkg.plugin",
        {"syn_pkg/__init__.py": "", "syn_pkg/plugin.py": "x = 1\ndef broken(:\n"},
    )
    path = site.root / "syn_pkg" / "plugin.py"
    assert failure(record).message == (
        f"importing 'syn_pkg.plugin' raised SyntaxError: invalid syntax (at {path}:2)"
    )


def test_missing_module(site: FakeSite) -> None:
    record = code_plugin(site, "gone", "gone_pkg.plugin", {})
    error = failure(record)
    assert error.message == "importing 'gone_pkg.plugin' failed: No module named 'gone_pkg'"
    assert error.fix == (
        "reinstall brainsmith-plugin-gone: pip install --force-reinstall brainsmith-plugin-gone"
    )


def test_missing_dependency_of_the_plugin(site: FakeSite) -> None:
    record = code_plugin(
        site, "dep", "dep_pkg", {"dep_pkg/__init__.py": "import not_installed_dep_xyz\n"}
    )
    error = failure(record)
    assert error.message == "importing 'dep_pkg' failed: No module named 'not_installed_dep_xyz'"
    assert error.fix == (
        "install the missing dependency 'not_installed_dep_xyz' (pip install not_installed_dep_xyz)"
    )


def test_entry_point_attribute_missing(site: FakeSite) -> None:
    record = code_plugin(site, "na", "na_pkg:nothere", {"na_pkg/__init__.py": ""})
    error = failure(record)
    assert error.message == "entry point na_pkg:nothere: module 'na_pkg' has no attribute 'nothere'"
    assert error.fix == "fix the entry point in the plugin's pyproject.toml and reinstall it"


def test_entry_point_naming_nothing_usable(site: FakeSite) -> None:
    record = code_plugin(site, "empty", "empty_pkg", {"empty_pkg/__init__.py": "X = 1\n"})
    assert failure(record).message == (
        "entry point empty_pkg is neither a module with @hookimpl functions, nor a callable "
        "returning a legacy payload, nor a manifest"
    )


HOOK_RETURNS = """
from brainsmith import hookimpl
from brainsmith.plugins.records import KernelSpec, TransformSpec

class Plain:
    pass

@hookimpl
def brainsmith_transforms():
    return [{returned}]
"""


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (
            "KernelSpec(name='K', target='m:K')",
            "hook brainsmith_transforms raised TypeError: returned a kernel record 'K'",
        ),
        ("Plain", "hook brainsmith_transforms raised TypeError: <class 'wk_pkg.Plain'> is neither"),
        (
            "TransformSpec(name='T', target='m:T', stage='graph_cleanup'), "
            "TransformSpec(name='T', target='m:T2', stage='graph_cleanup')",
            "component(s) declared twice: transform:T",
        ),
        ("1/0", "hook brainsmith_transforms raised ZeroDivisionError: division by zero"),
    ],
)
def test_hookimpl_returning_wrong_things(site: FakeSite, returned: str, message: str) -> None:
    record = code_plugin(
        site, "wk", "wk_pkg", {"wk_pkg/__init__.py": HOOK_RETURNS.replace("{returned}", returned)}
    )
    assert failure(record).message.startswith(message)


def test_invalid_hook_signature(site: FakeSite) -> None:
    module = (
        "from brainsmith import hookimpl\n\n@hookimpl\n"
        "def brainsmith_kernels(extra):\n    return []\n"
    )
    record = code_plugin(site, "sig", "sig_pkg", {"sig_pkg/__init__.py": module})
    assert failure(record).message.startswith("invalid hook implementation: ")


def test_manifest_plugin_activation_imports_only_its_hooks(site: FakeSite) -> None:
    pkg = site.manifest_plugin(
        "mh",
        site.transforms_manifest("T", extra='hooks = "{pkg}.hooks"'),
        files={
            "bsp_mh/hooks.py": "from brainsmith import hookimpl\n\n@hookimpl\n"
            "def on_stage_begin(stage, model):\n    pass\n",
            "bsp_mh/transforms.py": "raise RuntimeError('not yet')\n",
        },
    )
    (record,) = discover(site.path)
    pm = manager()
    assert activate(record, pm) is record
    assert pm.get_plugin("mh") is sys.modules[f"{pkg}.hooks"]
    assert f"{pkg}.transforms" not in sys.modules
    with pytest.raises(PluginError) as info:
        load_target(record, record.components[0])  # type: ignore[index]
    assert info.value.message == (
        f"transform mh:T: importing '{pkg}.transforms' raised RuntimeError: not yet "
        f"(at {site.root / pkg / 'transforms.py'}:1)"
    )


def test_load_target_attribute_missing(site: FakeSite) -> None:
    site.manifest_plugin(
        "lt", site.transforms_manifest("T"), files={"bsp_lt/transforms.py": "U = 1\n"}
    )
    (record,) = discover(site.path)
    with pytest.raises(PluginError) as info:
        load_target(record, record.components[0])  # type: ignore[index]
    assert info.value.message == ("transform lt:T: module 'bsp_lt.transforms' has no attribute 'T'")
    assert info.value.fix == f"fix the target 'bsp_lt.transforms:T' in {record.location}"


def test_legacy_flags_must_be_booleans() -> None:
    from brainsmith.plugins._legacy import PayloadError, adapt_payload

    payload = {
        "kernels": [{"name": "K", "module": "m", "class_name": "K", "is_infrastructure": "yes"}]
    }
    with pytest.raises(PayloadError, match=r"kernels\[0\]: 'is_infrastructure' must be True"):
        adapt_payload(payload)


OLD_LAYOUT_HOOKS = """
from brainsmith.hookspecs import hookimpl
from brainsmith.conditions import every_n_epochs
from brainsmith.plugin import Plugin
from brainsmith.lifecycle import lifecycle, Stop
from brainsmith.events import HookEvents
from brainsmith.records import TransformSpec
from brainsmith.decorators import transform


class Keeper(Plugin):
    name = "keeper"


@lifecycle(priority=3, condition=every_n_epochs(2))
@hookimpl
def on_epoch_end(epoch):
    return Stop("old") if epoch > 10 else None


@hookimpl
def brainsmith_lifecycle_plugins():
    return [Keeper]
"""


def test_a_plugin_written_for_the_flat_layout_still_loads(site: FakeSite) -> None:
    """Plugins following the 0.1 docs import brainsmith.hookspecs, .conditions, .plugin,
    .events, .records and .decorators: they keep working, with a DeprecationWarning."""
    site.fake_dist(
        "brainsmith-plugin-old",
        "1.0",
        entry_points={"old": "old_layout.hooks"},
        files={"old_layout/__init__.py": "", "old_layout/hooks.py": OLD_LAYOUT_HOOKS},
    )
    session = site.session()
    with pytest.warns(DeprecationWarning, match="brainsmith.hookspecs is deprecated"):
        session.activate("old")
    assert session.problems() == ()
    assert session.plugin_manager.hook.on_epoch_end.get_hookimpls()


def test_a_plugin_importing_a_core_module_that_is_gone_says_so(site: FakeSite) -> None:
    site.fake_dist(
        "brainsmith-plugin-future",
        "1.0",
        entry_points={"future": "future_layout.hooks"},
        files={
            "future_layout/__init__.py": "",
            "future_layout/hooks.py": "from brainsmith.quantum import hookimpl\n",
        },
    )
    session = site.session()
    with pytest.raises(PluginError) as info:
        session.activate("future")
    assert "imports 'brainsmith.quantum', which brainsmith-core" in info.value.fix
    assert "pip install brainsmith.quantum" not in info.value.fix
