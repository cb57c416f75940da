"""Reading a compile's input model and proving its output folder writable, before any work.

Errors are :class:`~brainsmith.errors.BrainsmithError` subclasses naming the file and a fix
(exit status 2: bad input).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrainsmithError
from ._repair import repair_model

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper


class ModelError(BrainsmithError):
    """The input model cannot be read or is not valid ONNX."""


class OutputError(BrainsmithError):
    """The output directory cannot be written."""


def model_bytes(model: Any, notes: list[str] | None = None) -> tuple[bytes, str]:
    """The serialized, checked model and a label for it.

    ``model`` is a path (``str`` / ``os.PathLike``), a qonnx ``ModelWrapper`` or an
    ``onnx.ModelProto``; the label is the path, or ``"<in-memory model>"``. The model is first
    repaired where that keeps its function (:func:`~._repair.repair_model`: custom domains
    missing from ``opset_import``, unused initializers listed as graph inputs); each repair is
    appended to ``notes`` as a warning.

    :raises ModelError: the file is missing, unreadable, not ONNX, or fails ONNX checking.
    """
    if isinstance(model, str | os.PathLike):
        path = Path(model)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelError(
                "model file not found", where=str(path), fix="check the path"
            ) from None
        except IsADirectoryError:
            raise ModelError(
                "the model is a directory, not a file", where=str(path), fix="pass an .onnx file"
            ) from None
        except OSError as exc:
            raise ModelError(
                f"cannot read the model: {exc.strerror or exc}",
                where=str(path),
                fix="make it a readable .onnx file",
            ) from None
        data = repair_model(data, str(path), notes)
        check_model(data, str(path))
        return data, str(path)
    proto = getattr(model, "model", model)  # a ModelWrapper wraps a ModelProto
    serialize = getattr(proto, "SerializeToString", None)
    if serialize is None:
        raise ModelError(
            f"cannot compile a {type(model).__name__}",
            fix="pass a path to an .onnx file, a qonnx ModelWrapper or an onnx.ModelProto",
        )
    data = serialize()
    label = "<in-memory model>"
    data = repair_model(data, label, notes)
    check_model(data, label)
    return data, label


def check_model(data: bytes, where: str) -> None:
    """Check that ``data`` is a parseable ONNX model that passes ``onnx.checker``.

    :raises ModelError: naming ``where`` and the first problem.
    """
    import onnx

    fix = "pass an .onnx file; a truncated download must be fetched again"
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError, onnx's errors
        raise ModelError(
            f"not an ONNX model (it does not parse: {exc or 'truncated or corrupt'})",
            where=where,
            fix=fix,
        ) from None
    if proto.ir_version == 0 or not proto.HasField("graph") or not proto.opset_import:
        raise ModelError("not an ONNX model (no IR version, graph or opset)", where=where, fix=fix)
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"the model fails ONNX checking: {first}",
            where=where,
            fix="re-export the model, or repair it so that onnx.checker.check_model passes",
        ) from None
    _check_one_value_info(proto.graph, where)


def _check_one_value_info(graph: Any, where: str) -> None:
    """qonnx keeps one value info per tensor: a graph input that is also a graph output (valid
    ONNX) fails every qonnx pass, so it is refused here with its name."""
    seen: dict[str, str] = {}
    for kind, infos in (("input", graph.input), ("output", graph.output)):
        for info in infos:
            if info.name in seen:
                both = (
                    f"listed twice as a graph {kind}"
                    if seen[info.name] == kind
                    else f"both a graph {seen[info.name]} and a graph {kind}"
                )
                raise ModelError(
                    f"tensor {info.name!r} is {both}; qonnx, which the compile runs on, "
                    "allows one value info per tensor",
                    where=where,
                    fix=f"give the {kind} its own name (e.g. through an Identity node)",
                )
            seen[info.name] = kind


def read_model(path: Path) -> ModelWrapper:
    """The checked model at ``path`` as a ``ModelWrapper``.

    :raises ModelError: as :func:`model_bytes`.
    """
    from ._wrap import wrap_model

    data, _ = model_bytes(path)
    return wrap_model(data)


def prepare_output(
    directory: Path,
    *,
    files: Iterable[str] = (),
    folders: Iterable[str] = (),
    model: Path | None = None,
) -> None:
    """Create ``directory`` and prove it writable before any work is done; ``files`` and
    ``folders`` are names the compile will write there, which must not be taken by an entry
    of the other kind (a folder where a file goes, or the reverse), nor be (or hold) the
    input ``model`` file, which the commit would replace.

    :raises OutputError: naming the directory (or the entry in the way), with the reason.
    """
    files, folders = list(files), list(folders)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".brainsmith-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"cannot write to the output directory: {exc.strerror or exc}",
            where=str(directory),
            fix="choose another directory with -o, or fix its permissions",
        ) from None
    for names, wanted, other in ((files, "file", "folder"), (folders, "folder", "file")):
        for name in names:
            entry = directory / name
            if entry.exists() and entry.is_dir() != (wanted == "folder"):
                raise OutputError(
                    f"cannot write to the output directory: a {other} is where the compile "
                    f"writes its {wanted} {name!r}",
                    where=str(entry),
                    fix=f"move or delete {entry}, or choose another directory with -o",
                )
    if model is not None and model.is_file():
        for name in (*files, *folders):
            entry = directory / name
            if entry.exists() and (
                model.resolve().is_relative_to(entry.resolve()) or os.path.samefile(entry, model)
            ):
                raise OutputError(
                    f"cannot write to the output directory: its {name!r} is the input model "
                    f"{model}, which the compile would replace",
                    where=str(entry),
                    fix="compile into another directory with -o (or copy the model elsewhere)",
                )
