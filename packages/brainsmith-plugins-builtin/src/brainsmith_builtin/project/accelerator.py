"""Write the stitched accelerator project of a compiled model (``accelerator/``).

Layout (paths relative to the output folder; see :mod:`.readme` for what a user reads)::

    accelerator/README.md          what is here; nothing was synthesised
    accelerator/manifest.json      top, ports, nodes, files; "synthesised": false
    accelerator/hls/kernels/*.cpp  each HLS node's generate_hls output
    accelerator/hls/<top>.cpp      the HLS dataflow top-level (all-HLS partitions)
    accelerator/hls/testbench.cpp  its C simulation testbench (file-driven, see backends.hls)
    accelerator/hls/run_hls.tcl    Vitis HLS script
    accelerator/rtl/*.v, *.mem     each RTL node's generate_rtl output, and <top>.v for RTL or
                                   mixed partitions
    accelerator/vivado/build.tcl   Vivado out-of-context synthesis script
    accelerator/weights/*.npy      every parameter tensor (weights, thresholds) of every node
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from brainsmith.hardware import HLSBackend, RTLBackend, read_target

from brainsmith_builtin.backends.hls.cpp import identifier
from brainsmith_builtin.backends.hls.kernel import StreamPort
from brainsmith_builtin.backends.hls.testbench import testbench_source
from brainsmith_builtin.backends.nodes.hls_node import HLSNodeBackend
from brainsmith_builtin.backends.nodes.rtl_node import RTLNodeBackend
from brainsmith_builtin.backends.rtl.design import hdl_source

from . import readme, scripts
from .hls_top import top_kernel
from .partition import DataflowPartition, StitchError, read_partition
from .verilog_top import DWC_MODULE, verilog_top_source

FOLDER = "accelerator"
MANIFEST = "manifest.json"
DEFAULT_TOP = "dataflow_top"


def port_json(tensor: str, port: StreamPort) -> dict[str, Any]:
    """A top-level port in the manifest (:func:`port_from_json` reads it back)."""
    return {
        "tensor": tensor,
        "port": port.name,
        "datatype": port.element.datatype,
        "elems_per_word": port.elems_per_word,
        "normal_shape": list(port.normal_shape),
        "width": port.width,
    }


def _top_name(partition: DataflowPartition) -> str:
    taken = {identifier(n.name) for n in partition.nodes}
    name = DEFAULT_TOP
    while name in taken:
        name += "_"
    return name


def _write_weights(model: Any, partition: DataflowPartition, folder: Path) -> list[Path]:
    """``weights/<node>.in<k>.npy`` for every parameter tensor (input ``k``) of every node."""
    files = []
    for node in partition.nodes:
        for ind, name in enumerate(node.instance.onnx_node.input):
            value = model.get_initializer(name) if name else None
            if value is None:
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{identifier(node.name)}.in{ind}.npy"
            np.save(path, np.asarray(value))
            files.append(path)
    return files


def _generate(instance: Any, hls_dir: Path, rtl_dir: Path, model: Any) -> list[Path]:
    """A node's own sources: builtin backends get the model (their initializers)."""
    if isinstance(instance, HLSNodeBackend):
        return instance.generate_hls(hls_dir, model)
    if isinstance(instance, RTLNodeBackend):
        return instance.generate_rtl(rtl_dir, model)
    if isinstance(instance, HLSBackend):
        return instance.generate_hls(hls_dir)
    if isinstance(instance, RTLBackend):
        return instance.generate_rtl(rtl_dir)
    return []


def write_accelerator(model: Any, folder: Path) -> list[str]:
    """Write ``folder/accelerator/`` for ``model``'s dataflow partition and return the written
    files relative to ``folder``; write nothing and return ``[]`` when the model has no
    partition with kernel nodes.

    A partition that cannot be stitched (software between kernels, a node without a backend,
    a branching RTL partition) still gets a README and manifest saying why, plus every source
    that could be generated. Raises the backends' own errors when a node's code cannot be
    generated (a bug: the same code was specialised and verified).
    """
    root = folder / FOLDER
    target = read_target(model)
    part = _full_part(target.device)
    notes: list[str] = []
    try:
        partition = read_partition(model)
    except StitchError as error:
        if not any(n.domain.startswith("brainsmith.") for n in model.graph.node):
            return []
        root.mkdir(parents=True)
        notes.append(f"not stitched: {error.message} (fix: {error.fix})")
        stub = [root / "README.md", root / MANIFEST]
        (root / "README.md").write_text(readme.readme_text(None, notes, part, target.clock_mhz))
        stub_manifest = {"schema": 1, "synthesised": False, "top": None, "notes": notes}
        (root / MANIFEST).write_text(json.dumps(stub_manifest, indent=2) + "\n")
        return [str(f.relative_to(folder)) for f in stub]
    if partition is None:
        return []
    top = _top_name(partition)
    languages = partition.languages
    all_hls = languages == {"hls"}
    files: list[Path] = []
    node_files: dict[str, list[str]] = {}
    hls_dir, rtl_dir = root / "hls", root / "rtl"
    for node in partition.nodes:
        if all_hls and node.is_infrastructure:
            written: list[Path] = []  # realised by the HLS top-level's glue
        else:
            written = _generate(node.instance, hls_dir / "kernels", rtl_dir, model)
        node_files[node.name] = [str(p.relative_to(root)) for p in written]
        files += written
    hls_kernels = [n.hls.function for n in partition.nodes if n.language == "hls" and n.hls]
    hls_top = verilog_top = None
    if all_hls:
        kernel = top_kernel(partition, top)
        hls_dir.mkdir(parents=True, exist_ok=True)
        (hls_dir / f"{top}.cpp").write_text(kernel.source)
        (hls_dir / "testbench.cpp").write_text(testbench_source(kernel, f"{top}.cpp"))
        files += [hls_dir / f"{top}.cpp", hls_dir / "testbench.cpp"]
        hls_top = f"hls/{top}.cpp"
    else:
        try:
            text, uses_dwc = verilog_top_source(partition, top)
        except StitchError as error:
            notes.append(f"no Verilog top-level: {error.message} (fix: {error.fix})")
        else:
            rtl_dir.mkdir(parents=True, exist_ok=True)
            (rtl_dir / f"{top}.v").write_text(text)
            files.append(rtl_dir / f"{top}.v")
            verilog_top = f"rtl/{top}.v"
            if uses_dwc:
                dwc = rtl_dir / f"{DWC_MODULE}.v"
                shutil.copyfile(hdl_source(f"{DWC_MODULE}.v"), dwc)
                files.append(dwc)
        if "hls" in languages:
            notes.append(
                "mixed HLS/RTL design: the Verilog top-level instantiates the HLS kernels by "
                "the module names Vitis HLS generates (see README); it is not simulated here"
            )
    if hls_kernels or all_hls:
        hls_dir.mkdir(parents=True, exist_ok=True)
        tcl = scripts.hls_script(
            top, hls_kernels, all_hls=all_hls, part=part, clock_mhz=target.clock_mhz
        )
        (hls_dir / "run_hls.tcl").write_text(tcl)
        files.append(hls_dir / "run_hls.tcl")
    vivado = root / "vivado" / "build.tcl"
    vivado.parent.mkdir(parents=True, exist_ok=True)
    vivado.write_text(
        scripts.vivado_script(
            top, hls_kernels, all_hls=all_hls, part=part, clock_mhz=target.clock_mhz
        )
    )
    files.append(vivado)
    files += _write_weights(model, partition, root / "weights")
    language = "hls" if all_hls else ("rtl" if languages == {"rtl"} else "mixed")
    manifest: dict[str, Any] = {
        "schema": 1,
        "synthesised": False,
        "top": top,
        "language": language,
        "hls_top": hls_top,
        "verilog_top": verilog_top,
        "inputs": [port_json(t, p) for t, p in partition.inputs],
        "outputs": [port_json(t, p) for t, p in partition.outputs],
        "nodes": [
            {
                "name": n.name,
                "op_type": n.op_type,
                "language": n.language,
                "expected_cycles": n.expected_cycles,
                "files": node_files[n.name],
            }
            for n in partition.nodes
        ],
        "expected_cycles_per_frame": partition.expected_cycles,
        "clock_mhz": target.clock_mhz,
        "part": part,
        "scripts": {
            "vitis_hls": "hls/run_hls.tcl" if (hls_kernels or all_hls) else None,
            "vivado": "vivado/build.tcl",
        },
        "notes": notes,
    }
    (root / "README.md").write_text(readme.readme_text(manifest, notes, part, target.clock_mhz))
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    files += [root / "README.md", root / MANIFEST]
    return sorted({str(p.relative_to(folder)) for p in files})


def _full_part(device: str | None) -> str:
    """The part the scripts synthesise for: the target's device, completed to the table's full
    part number when it names only a device of the table (``xc7z020`` -> ``xc7z020clg400-1``);
    the default part without a device."""
    from brainsmith.hardware import DEVICES

    if not device:
        return scripts.DEFAULT_PART
    known = DEVICES.get(device.lower())
    return known.part if known is not None and known.part else device
