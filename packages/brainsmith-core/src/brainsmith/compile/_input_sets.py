"""The input sets ``--verify`` runs both models on: the user's (``--inputs file.npz``), the
model's own reference inputs (``test_data_set_*/input_*.pb`` beside the model file, as the
``onnx`` package ships its test models) and several seeded random draws by meaning
(:mod:`._inputs_for`)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrainsmithError
from ._inputs_for import draw_inputs, graph_inputs

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

_POSITIONAL = re.compile(r"arr_[0-9]+")
"""The names ``numpy.savez`` gives arrays passed without names."""

RANDOM_DRAWS = 3
"""How many seeded random input sets verification draws (seeds ``seed``, ``seed + 1``, ...)."""


class InputsError(BrainsmithError):
    """User-supplied verification inputs do not fit the model (exit 2: bad input)."""


@dataclass(frozen=True, slots=True)
class InputSet:
    """Values for every graph input of the original model, and where they come from."""

    source: str
    """``"random (seed 0)"``, ``"test_data_set_0"`` or the ``--inputs`` file."""
    values: Mapping[str, Any]
    """Input name → numpy array (a list of arrays for a sequence input)."""


def given_inputs(
    source: str | os.PathLike[str] | Mapping[str, Any], model: ModelWrapper
) -> InputSet:
    """The user's inputs, checked against ``model``'s graph inputs.

    ``source`` is an ``.npz`` file or a mapping; keys are input names, or ``arr_0``, ``arr_1``,
    ... (``numpy.savez`` without names) in graph-input order. Arrays are cast to each input's
    element type.

    :raises InputsError: the file cannot be read, a name is unknown, an input is missing, or a
        shape does not fit the input's fixed dimensions.
    """
    import numpy as np

    label = "inputs" if isinstance(source, Mapping) else str(source)
    arrays = dict(source) if isinstance(source, Mapping) else _read_npz(Path(source), label)
    inputs = graph_inputs(model)
    names = [vi.name for vi in inputs]
    if arrays and all(_POSITIONAL.fullmatch(k) for k in arrays) and not set(arrays) & set(names):
        # numpy.savez without names: arr_N is the N-th graph input (one past the end is unknown)
        arrays = {names[int(k[4:])] if int(k[4:]) < len(names) else k: v for k, v in arrays.items()}
    unknown = sorted(set(arrays) - set(names))
    missing = [n for n in names if n not in arrays]
    if unknown or missing:
        parts = [f"unknown input(s) {', '.join(map(repr, unknown))}"] if unknown else []
        parts += [f"missing input(s) {', '.join(map(repr, missing))}"] if missing else []
        raise InputsError(
            f"the verification inputs do not fit the model: {'; '.join(parts)}",
            where=label,
            fix=f"give one array per graph input, named: {', '.join(names)}",
        )
    values: dict[str, Any] = {}
    for vi in inputs:
        values[vi.name] = _cast(vi, np.asarray(arrays[vi.name]), label)
    return InputSet(label, values)


def _read_npz(path: Path, label: str) -> dict[str, Any]:
    """The named arrays of the ``.npz`` file ``path``.

    :raises InputsError: it cannot be read, is no ``.npz`` archive (a ``.npy`` file, a
        truncated or foreign file) or holds object arrays.
    """
    import zipfile

    import numpy as np
    from numpy.lib.npyio import NpzFile

    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, NpzFile):
            raise ValueError("the file holds one array (numpy.save), not named arrays")
        with loaded as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InputsError(
            f"cannot read the verification inputs: {exc}",
            where=label,
            fix="pass an .npz file written by numpy.savez(path, input_name=array, ...)",
        ) from None


def _cast(vi: Any, array: Any, label: str) -> Any:
    from onnx import helper

    tensor = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
    if tensor is None:
        return array
    fixed = [
        d.dim_value if d.WhichOneof("value") == "dim_value" else None for d in tensor.shape.dim
    ]
    if tensor.HasField("shape") and (
        len(fixed) != array.ndim
        or any(
            want is not None and want != got for want, got in zip(fixed, array.shape, strict=True)
        )
    ):
        shape = "x".join("?" if d is None else str(d) for d in fixed) or "scalar"
        raise InputsError(
            f"input {vi.name!r} has shape {'x'.join(map(str, array.shape)) or 'scalar'}, the "
            f"model's input is {shape}",
            where=label,
            fix="give an array of the input's shape ('?' dimensions may be any size)",
        )
    import numpy as np

    target = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type))
    try:
        if array.dtype.kind == "c" and target.kind != "c":
            raise TypeError("complex values lose their imaginary part")
        with np.errstate(all="ignore"):  # a value out of range is reported below
            cast = array.astype(target)
    except (TypeError, ValueError) as exc:  # strings that spell no number, complex values
        raise InputsError(
            f"input {vi.name!r} is {target}, but the array is {array.dtype}: {exc}",
            where=label,
            fix=f"give {target} values (e.g. save the array as {target})",
        ) from None
    if target.kind in "iub" and array.dtype.kind in "iufb":
        changed = np.flatnonzero(cast.reshape(-1) != array.reshape(-1))
        if changed.size:
            value = array.reshape(-1)[changed[0]].item()
            raise InputsError(
                f"input {vi.name!r} is {target}, but the array holds {value!r} "
                f"({array.dtype}), which {target} cannot represent ({changed.size} such value(s))",
                where=label,
                fix=f"give values {target} holds exactly (e.g. save the array as {target})",
            )
    return cast


def reference_inputs(model_path: Path, model: ModelWrapper) -> list[InputSet]:
    """The model's own input sets: ``test_data_set_*/input_<i>.pb`` beside ``model_path``,
    read in graph-input order; sets that do not fit the graph inputs are skipped."""
    import onnx
    from onnx import numpy_helper

    names = [vi.name for vi in graph_inputs(model)]
    sets: list[InputSet] = []
    for folder in sorted(model_path.parent.glob("test_data_set_*")):
        files = sorted(folder.glob("input_*.pb"), key=lambda p: int(p.stem.split("_")[-1]))
        if len(files) != len(names):
            continue
        values: dict[str, Any] = {}
        try:
            for name, file in zip(names, files, strict=True):
                values[name] = _read_pb(file, onnx, numpy_helper)
        except Exception:  # a file of another kind: not a usable reference set
            continue
        sets.append(InputSet(folder.name, values))
    return sets


def _read_pb(file: Path, onnx: Any, numpy_helper: Any) -> Any:
    """A tensor, sequence or optional value file. The protobuf wire format does not say which
    message it holds (a SequenceProto's bytes may parse as a TensorProto with nonsense
    fields), so each kind is tried until one converts."""
    data = file.read_bytes()
    readers = (
        (onnx.TensorProto, numpy_helper.to_array),
        (onnx.SequenceProto, numpy_helper.to_list),
        (onnx.OptionalProto, numpy_helper.to_optional),
    )
    failure: Exception | None = None
    for message, convert in readers:
        proto = message()
        try:
            proto.ParseFromString(data)
            if message is onnx.TensorProto and not proto.data_type:
                continue
            return convert(proto)
        except Exception as exc:
            failure = exc
    raise ValueError(f"{file.name} holds no tensor, sequence or optional value: {failure}")


def input_sets(
    model: ModelWrapper,
    *,
    seed: int,
    given: InputSet | None = None,
    model_path: Path | None = None,
    draws: int = RANDOM_DRAWS,
) -> list[InputSet]:
    """The sets to verify on: ``given`` (alone, when the user supplied inputs), else the
    model's reference sets followed by ``draws`` random draws (seeds ``seed`` ... )."""
    if given is not None:
        return [given]
    sets = reference_inputs(model_path, model) if model_path is not None else []
    sets += [
        InputSet(f"random (seed {s})", draw_inputs(model, s)) for s in range(seed, seed + draws)
    ]
    return sets
