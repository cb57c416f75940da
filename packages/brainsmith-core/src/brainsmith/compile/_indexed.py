"""A qonnx ``ModelWrapper`` whose tensor lookups are dictionary lookups.

qonnx's ``get_tensor_valueinfo``, ``get_tensor_shape``, ``get_initializer`` and
``get_tensor_datatype`` each rebuild a list of every name in the graph, so a pass that asks
once per node is quadratic. :class:`IndexedModel` wraps the *same* ``ModelProto`` (no copy) and
answers those four from an index of the graph's inputs, outputs, value infos, initializers and
quantization annotations, with exactly qonnx's results. ``set_tensor_datatype`` keeps the index
up to date; every other mutating method runs qonnx's own code and drops the index, and a change
of any indexed container's length made behind its back (``graph.value_info.append(...)``) is
noticed on the next lookup. A name that occurs twice where qonnx expects it once is answered by
qonnx's own method (which raises as qonnx does).
"""

from __future__ import annotations

from typing import Any

import onnx
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import get_by_name

_ONNX_TO_QONNX = {onnx.TensorProto.FLOAT: "FLOAT32", onnx.TensorProto.FLOAT16: "FLOAT16"}
"""The element types qonnx maps to a datatype of their own; every other one reads FLOAT32."""


class _Index:
    """Name → proto maps of one graph's indexed containers, and their lengths when built."""

    def __init__(self, graph: Any) -> None:
        self.valueinfo: dict[str, Any] = {}
        self.initializer: dict[str, Any] = {}
        self.annotation: dict[str, Any] = {}
        self.ambiguous: set[str] = set()
        """Names listed twice as value infos or annotations: qonnx's methods answer them."""
        for container in (graph.input, graph.output, graph.value_info):
            for vi in container:
                if vi.name in self.valueinfo:
                    self.ambiguous.add(vi.name)
                self.valueinfo[vi.name] = vi
        for tensor in graph.initializer:
            self.initializer.setdefault(tensor.name, tensor)  # list.index: the first wins
        for annotation in graph.quantization_annotation:
            if annotation.tensor_name in self.annotation:
                self.ambiguous.add(annotation.tensor_name)
            self.annotation[annotation.tensor_name] = annotation
        self.lengths = _lengths(graph)


def _lengths(graph: Any) -> tuple[int, ...]:
    return (
        len(graph.input),
        len(graph.output),
        len(graph.value_info),
        len(graph.initializer),
        len(graph.quantization_annotation),
    )


class IndexedModel(ModelWrapper):  # type: ignore[misc]
    """``model``'s own ``ModelProto`` behind qonnx's API, its lookups indexed.

    Changes made through it are changes of ``model``. Meant for the duration of one pass.
    """

    def __init__(self, model: ModelWrapper) -> None:
        # ModelWrapper.__init__ would scan every tensor (quadratic in qonnx 1.0): not called
        self._model_proto = model.model
        self.fix_float64 = model.fix_float64
        self._index_cache: _Index | None = None

    def _index(self) -> _Index:
        graph = self._model_proto.graph
        index = self._index_cache
        if index is None or index.lengths != _lengths(graph):
            index = self._index_cache = _Index(graph)
        return index

    def _stale(self) -> None:
        self._index_cache = None

    # lookups -------------------------------------------------------------------------------

    def get_tensor_valueinfo(self, tensor_name: str) -> Any:
        """qonnx's ``get_tensor_valueinfo``, by dictionary."""
        index = self._index()
        if tensor_name in index.ambiguous:
            return super().get_tensor_valueinfo(tensor_name)
        return index.valueinfo.get(tensor_name)

    def get_initializer(self, tensor_name: str, return_dtype: bool = False) -> Any:
        """qonnx's ``get_initializer``, by dictionary."""
        tensor = self._index().initializer.get(tensor_name)
        if tensor is None:
            return (None, None) if return_dtype else None
        value = onnx.numpy_helper.to_array(tensor)
        return (value, tensor.data_type) if return_dtype else value

    def get_tensor_shape(self, tensor_name: str, fix_missing_init_shape: bool = False) -> Any:
        """qonnx's ``get_tensor_shape``, by dictionary."""
        index = self._index()
        if tensor_name in index.ambiguous:
            return super().get_tensor_shape(tensor_name, fix_missing_init_shape)
        vi = index.valueinfo.get(tensor_name)
        if vi is not None:
            return [d.dim_value for d in vi.type.tensor_type.shape.dim]
        tensor = index.initializer.get(tensor_name)
        if tensor is None:
            return None
        shape = tuple(tensor.dims)
        if fix_missing_init_shape:
            self.set_tensor_shape(tensor_name, shape, dtype=tensor.data_type)
        return list(shape)

    def get_tensor_datatype(self, tensor_name: str) -> Any:
        """qonnx's ``get_tensor_datatype``, by dictionary."""
        index = self._index()
        if tensor_name in index.ambiguous:
            return super().get_tensor_datatype(tensor_name)
        annotation = index.annotation.get(tensor_name)
        if annotation is not None:
            entry = get_by_name(annotation.quant_parameter_tensor_names, "finn_datatype", "key")
            if entry is not None:
                return DataType[entry.value]
        vi = index.valueinfo.get(tensor_name)
        if vi is not None:
            element = vi.type.tensor_type.elem_type
        else:
            tensor = index.initializer.get(tensor_name)
            element = tensor.data_type if tensor is not None else None
        return DataType[_ONNX_TO_QONNX.get(element, "FLOAT32")]

    # changes -------------------------------------------------------------------------------

    def set_tensor_datatype(self, tensor_name: str, datatype: Any) -> None:
        """qonnx's ``set_tensor_datatype``, keeping the index."""
        index = self._index()
        if tensor_name in index.ambiguous:
            super().set_tensor_datatype(tensor_name, datatype)
            self._stale()
            return
        annotation = index.annotation.get(tensor_name)
        if annotation is not None:
            entry = get_by_name(annotation.quant_parameter_tensor_names, "finn_datatype", "key")
            if entry is not None:
                if datatype is None:
                    entry.Clear()
                else:
                    entry.value = datatype.name
            elif datatype is not None:
                added = annotation.quant_parameter_tensor_names.add()
                added.key, added.value = "finn_datatype", datatype.name
        elif datatype is not None:
            annotations = self._model_proto.graph.quantization_annotation
            added = annotations.add()
            added.tensor_name = tensor_name
            entry = added.quant_parameter_tensor_names.add()
            entry.key, entry.value = "finn_datatype", datatype.name
            index.annotation[tensor_name] = added
            index.lengths = _lengths(self._model_proto.graph)

    def set_tensor_shape(self, *args: Any, **kwargs: Any) -> None:
        super().set_tensor_shape(*args, **kwargs)
        self._stale()

    def set_initializer(self, *args: Any, **kwargs: Any) -> None:
        super().set_initializer(*args, **kwargs)
        self._stale()

    def del_initializer(self, *args: Any, **kwargs: Any) -> None:
        super().del_initializer(*args, **kwargs)
        self._stale()

    def rename_tensor(self, *args: Any, **kwargs: Any) -> None:
        super().rename_tensor(*args, **kwargs)
        self._stale()

    def set_tensor_layout(self, *args: Any, **kwargs: Any) -> None:
        super().set_tensor_layout(*args, **kwargs)
        self._stale()

    def set_tensor_sparsity(self, *args: Any, **kwargs: Any) -> None:
        super().set_tensor_sparsity(*args, **kwargs)
        self._stale()

    def cleanup(self) -> Any:
        self._stale()
        return super().cleanup()

    def transform(self, *args: Any, **kwargs: Any) -> Any:
        self._stale()
        return super().transform(*args, **kwargs)
