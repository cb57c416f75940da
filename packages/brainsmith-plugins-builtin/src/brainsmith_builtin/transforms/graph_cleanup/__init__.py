"""Transforms of the ``graph_cleanup`` stage."""
