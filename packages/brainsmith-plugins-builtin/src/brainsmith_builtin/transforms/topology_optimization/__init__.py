"""Transforms of the ``topology_optimization`` stage."""
