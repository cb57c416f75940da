"""Builtin lifecycle plugins: timing report, checkpoints, early stopping, metrics logger.

Enabled by name in a run config (``plugins: {early_stopping: {options: {patience: 3}}}``);
contributed through :mod:`brainsmith_builtin.lifecycle.hooks`.
"""
