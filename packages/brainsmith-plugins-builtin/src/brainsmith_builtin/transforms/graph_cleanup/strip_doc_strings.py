"""``StripDocStrings``: a worked example of a graph-cleanup transform for plugin authors.

A transform is a qonnx ``Transformation`` subclass. ``apply(model)`` receives a
``ModelWrapper``, may change it in place, and returns ``(model, graph_modified)``; the executor
calls ``apply`` again while ``graph_modified`` is true, so return ``True`` only when another
pass could find more to do. Constructor arguments are the blueprint's options::

    stages:
      graph_cleanup:
        - StripDocStrings: {keep_graph: true}

Declare it in the plugin's manifest (``brainsmith_plugin.toml``)::

    [[transforms]]
    name = "StripDocStrings"
    stage = "graph_cleanup"
    target = "brainsmith_builtin.transforms.graph_cleanup.strip_doc_strings:StripDocStrings"

The ``@transform`` decorator is optional for manifest plugins; it checks the class and records
the same name and stage on it for hook-based plugins.
"""

from __future__ import annotations

from typing import Any

from brainsmith.plugins.decorators import transform
from qonnx.transformation.base import Transformation


@transform(name="StripDocStrings", stage="graph_cleanup")
class StripDocStrings(Transformation):  # type: ignore[misc]
    """Remove the free-text ``doc_string`` of every node (and of the graph unless
    ``keep_graph``). Exporters leave stack traces there; they bloat files and diffs."""

    def __init__(self, keep_graph: bool = False) -> None:
        super().__init__()
        self.keep_graph = keep_graph

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            node.doc_string = ""
        if not self.keep_graph:
            model.graph.doc_string = ""
        # one pass removes everything: nothing left for a second pass to find
        return model, False
