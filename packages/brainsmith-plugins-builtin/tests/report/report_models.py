"""Helpers for the report tests: FIFOs and width converters put into a compiled model, and an
HTML checker."""

from __future__ import annotations

from html.parser import HTMLParser

from brainsmith.hardware import is_kernel_node, kernel_domain
from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def insert_fifos(model: ModelWrapper, depths: list[int]) -> dict[tuple[str, str], int]:
    """Put a StreamingFIFO_rtl of the next depth of ``depths`` on each stream between two
    consecutive kernel nodes, as long as depths last, and after the first FIFO a width converter
    to one element per word. Returns ``{(producer, consumer): depth}``."""
    nodes = list(model.graph.node)
    consumers = {name: n for n in nodes for name in n.input}
    placed: dict[tuple[str, str], int] = {}
    queue = list(depths)
    for node in nodes:
        if not is_kernel_node(node) or not queue:
            continue
        tensor = node.output[0]
        consumer = consumers.get(tensor)
        if consumer is None or not is_kernel_node(consumer):
            continue
        kernel = getCustomOp(node)
        folded = list(kernel.get_folded_output_shape())
        normal = list(kernel.get_normal_output_shape())
        dtype = kernel.get_output_datatype().name
        depth = queue.pop(0)
        fifo_out = model.make_new_valueinfo_name()
        model.set_tensor_shape(fifo_out, normal)
        model.set_tensor_datatype(fifo_out, kernel.get_output_datatype())
        fifo = helper.make_node(
            "StreamingFIFO_rtl",
            [tensor],
            [fifo_out],
            name=f"FIFO_{node.name}",
            domain=kernel_domain("builtin"),
            depth=depth,
            folded_shape=folded,
            normal_shape=normal,
            dataType=dtype,
        )
        model.graph.node.insert(list(model.graph.node).index(consumer), fifo)
        consumer.input[list(consumer.input).index(tensor)] = fifo_out
        placed[(node.name, consumer.name)] = depth
        if len(placed) == 1:
            bits = kernel.get_output_datatype().bitwidth()
            dwc_out = model.make_new_valueinfo_name()
            model.set_tensor_shape(dwc_out, normal)
            model.set_tensor_datatype(dwc_out, kernel.get_output_datatype())
            dwc = helper.make_node(
                "StreamingDataWidthConverter_rtl",
                [fifo_out],
                [dwc_out],
                name=f"DWC_{node.name}",
                domain=kernel_domain("builtin"),
                inWidth=folded[-1] * bits,
                outWidth=bits,
                shape=normal,
                dataType=dtype,
            )
            model.graph.node.insert(list(model.graph.node).index(consumer), dwc)
            consumer.input[list(consumer.input).index(fifo_out)] = dwc_out
    return placed


class TreeChecker(HTMLParser):
    """Parses HTML and records what a well-formedness check needs: unbalanced or misnested
    tags, the tags seen, their attributes, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.declarations: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(page: str) -> TreeChecker:
    """Parse ``page``; fail on a misnested or unclosed tag."""
    checker = TreeChecker()
    checker.feed(page)
    checker.close()
    assert checker.problems == [], checker.problems[:5]
    assert checker.stack == [], f"unclosed: {checker.stack}"
    return checker
