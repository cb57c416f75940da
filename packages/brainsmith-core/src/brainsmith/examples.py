"""Models built by code for the bundled example, the tests and the benchmark.

Everything here is deterministic: the same arguments give byte-identical models. ``onnx`` and
``numpy`` are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onnx import ModelProto

QUANT_DOMAIN = "qonnx.custom_op.general"
"""The ONNX domain of QONNX's ``Quant`` node."""

ONNX_OPSET = 17
"""Standard opset of the generated models (LayerNormalization needs 17)."""


class _Builder:
    """Accumulates nodes and initializers with unique, readable names."""

    def __init__(self, seed: int) -> None:
        import numpy as np

        self.rng = np.random.RandomState(seed)
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def const(self, stem: str, value: Any) -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], domain: str = "", **attrs: Any) -> str:
        from onnx import helper

        out = self.name(op.lower())
        self.nodes.append(
            helper.make_node(op, inputs, [out], name=self.name(op), domain=domain, **attrs)
        )
        return out

    def quant(self, x: str, bits: int, scale: float, *, signed: bool = True) -> str:
        """A QONNX ``Quant`` node: ``x`` rounded to a ``bits``-bit grid of step ``scale``."""
        import numpy as np

        return self.node(
            "Quant",
            [
                x,
                self.const("scale", np.array(scale, dtype=np.float32)),
                self.const("zeropt", np.array(0.0, dtype=np.float32)),
                self.const("bitwidth", np.array(float(bits), dtype=np.float32)),
            ],
            domain=QUANT_DOMAIN,
            signed=int(signed),
            narrow=0,
            rounding_mode="ROUND",
        )

    def linear(
        self, x: str, n_in: int, n_out: int, *, quantized: bool, bias: bool, deep: bool = False
    ) -> str:
        """``x @ W (+ b)``, with ``W`` passed through a 4-bit ``Quant`` node if ``quantized``.

        ``deep`` draws ``W`` near the identity so activations survive hundreds of layers.
        """
        import numpy as np

        limit = 1.0 / np.sqrt(n_in)
        w = self.rng.uniform(-limit, limit, size=(n_in, n_out)).astype(np.float32)
        if deep:
            w = (np.eye(n_in, n_out) + 0.1 * w).astype(np.float32)
        weight = self.const("weight", w)
        if quantized:
            weight = self.quant(weight, 4, float(limit) / 8)
        y = self.node("MatMul", [x, weight])
        if bias:
            low = 0.0 if deep else -0.1
            b = self.rng.uniform(low, 0.1, size=(n_out,)).astype(np.float32)
            y = self.node("Add", [y, self.const("bias", b)])
        return y

    def layernorm(self, x: str, width: int, *, bias: bool = True) -> str:
        import numpy as np

        gamma = self.rng.uniform(0.5, 1.5, size=(width,)).astype(np.float32)
        inputs = [x, self.const("gamma", gamma)]
        if bias:
            beta = self.rng.uniform(-0.2, 0.2, size=(width,)).astype(np.float32)
            inputs.append(self.const("beta", beta))
        return self.node("LayerNormalization", inputs, axis=-1, epsilon=1e-5)

    def model(
        self, graph_name: str, x: str, y: str, shape_in: list[int], shape_out: list[int]
    ) -> ModelProto:
        from onnx import TensorProto, helper

        graph = helper.make_graph(
            self.nodes,
            graph_name,
            [helper.make_tensor_value_info(x, TensorProto.FLOAT, shape_in)],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, shape_out)],
            initializer=self.inits,
        )
        return helper.make_model(
            graph,
            producer_name="brainsmith.examples",
            opset_imports=[
                helper.make_opsetid("", ONNX_OPSET),
                helper.make_opsetid(QUANT_DOMAIN, 1),
            ],
        )


def _annotate(model: ModelProto, tensor: str, datatype: str) -> None:
    """Record a QONNX datatype annotation (``finn_datatype``) for ``tensor``."""
    from onnx import StringStringEntryProto, TensorAnnotation

    annotation = TensorAnnotation(tensor_name=tensor)
    annotation.quant_parameter_tensor_names.append(
        StringStringEntryProto(key="finn_datatype", value=datatype)
    )
    model.graph.quantization_annotation.append(annotation)


def example_model() -> ModelProto:
    """The bundled example: a small quantized MLP with LayerNormalization.

    ``INT8`` input [1, 16] → Sub/Div normalisation → Identity → 8-bit activation ``Quant`` →
    MatMul (4-bit weights) + Add → LayerNormalization → Relu → ``Quant`` → MatMul + Add → Relu →
    ``Quant`` → MatMul + Add → output [1, 10].
    """
    import numpy as np

    b = _Builder(seed=2024)
    x = "input"
    h = b.node("Sub", [x, b.const("mean", np.array(2.0, dtype=np.float32))])
    h = b.node("Div", [h, b.const("std", np.array(32.0, dtype=np.float32))])
    h = b.node("Identity", [h])
    widths = [16, 32, 24, 10]
    for i in range(len(widths) - 1):
        h = b.quant(h, 8, 1.0 / 64)
        h = b.linear(h, widths[i], widths[i + 1], quantized=True, bias=True)
        if i == 0:
            h = b.layernorm(h, widths[i + 1])
        if i < len(widths) - 2:
            h = b.node("Relu", [h])
    model = b.model("brainsmith_example_mlp", x, h, [1, widths[0]], [1, widths[-1]])
    _annotate(model, x, "INT8")
    return model


def mlp_model(
    layers: int,
    width: int = 8,
    *,
    seed: int = 0,
    quantized: bool = False,
    bias: bool = True,
    layernorm_every: int = 0,
) -> ModelProto:
    """A generated MLP of ``layers`` layers of ``width`` units, each MatMul (+ Add) + Relu.

    ``quantized`` adds an activation ``Quant`` before and a weight ``Quant`` on every MatMul;
    ``layernorm_every=k`` adds a LayerNormalization after every k-th layer. Nodes per layer:
    2, plus 1 for ``bias``, plus 2 for ``quantized``.
    """
    if layers < 1 or width < 1:
        raise ValueError("an MLP needs at least one layer of at least one unit")
    b = _Builder(seed=seed)
    x = "input"
    h = x
    for i in range(layers):
        if quantized:
            h = b.quant(h, 8, 1.0 / 32)
        h = b.linear(h, width, width, quantized=quantized, bias=bias, deep=True)
        if layernorm_every and (i + 1) % layernorm_every == 0:
            h = b.layernorm(h, width)
        h = b.node("Relu", [h])
    return b.model(f"mlp_{layers}x{width}", x, h, [1, width], [1, width])
