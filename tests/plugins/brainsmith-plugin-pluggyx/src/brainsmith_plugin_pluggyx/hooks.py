"""A plain pluggy plugin: components come from hook implementations."""

from brainsmith import TransformSpec, hookimpl, kernel


@kernel(infrastructure=True)
class Fifo:
    """A FIFO kernel, declared with the decorator sugar."""


@hookimpl
def brainsmith_kernels():
    return [Fifo]


@hookimpl
def brainsmith_transforms():
    return [
        TransformSpec(
            name="Shuffle",
            stage="graph_optimization",
            target="brainsmith_plugin_pluggyx.hooks:Fifo",
            description="declared as a record",
        )
    ]
