"""``checkpoint``: save a checkpoint every N epochs (training) or after chosen stages
(compile: the stage's model as ``<stage>.onnx``).

Its files go to ``plugin_checkpoints/``, not ``checkpoints/``: that folder holds the
executor's ``NN_<stage>.onnx`` (``brainsmith compile --checkpoints``), which
``--start-stage`` resumes from, and this plugin's files must not be mistaken for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brainsmith._atomic import write_atomic
from brainsmith.lifecycle import LifecycleContext, LifecycleOptions, LifecyclePlugin
from brainsmith.lifecycle.conditions import every_n_epochs

if TYPE_CHECKING:
    from brainsmith.lifecycle import TrainingLoop


class Checkpoint(LifecyclePlugin):
    """Saves ``plugin_checkpoints/epoch-<n>.json`` every ``every_n_epochs`` epochs and
    ``plugin_checkpoints/<stage>.onnx`` (atomically) after each stage in ``stages``."""

    name = "checkpoint"
    description = "checkpoint every N epochs or after chosen compile stages"

    @dataclass(frozen=True)
    class Config:
        every_n_epochs: int = 1
        stages: list[str] = field(default_factory=list)
        directory: str = "plugin_checkpoints"

        def __post_init__(self) -> None:
            if self.every_n_epochs < 1:
                raise ValueError("every_n_epochs must be at least 1")

    def setup(self, context: LifecycleContext) -> None:
        self.directory = context.run_dir / self.config.directory
        self.saved: list[str] = []

    def lifecycle_options(self, hook: str) -> LifecycleOptions | None:
        if hook == "on_epoch_end":
            return LifecycleOptions(condition=every_n_epochs(self.config.every_n_epochs))
        return None

    def on_compile_begin(self, output_dir: Path | None) -> None:
        if output_dir is not None:
            self.directory = Path(output_dir) / self.config.directory

    def on_epoch_end(self, loop: TrainingLoop, epoch: int) -> None:
        path = loop.save_checkpoint(self.directory / f"epoch-{epoch}.json")
        self.saved.append(str(path))

    def on_stage_end(self, stage: str, model: Any) -> None:
        if stage in self.config.stages:
            path = write_atomic(self.directory / f"{stage}.onnx", model.model.SerializeToString())
            self.saved.append(str(path))

    def state_dict(self) -> dict[str, Any]:
        return {"saved": list(self.saved)}

    def load_state_dict(self, state: Any) -> None:
        """Carry on the list of files saved by earlier runs into this one."""
        saved = state.get("saved") if isinstance(state, dict) else None
        if isinstance(saved, list):
            self.saved = [str(p) for p in saved] + self.saved
