"""A third-party kernel plugin: ``ClipStream`` (an integer Clip on a stream) and its inference."""

__version__ = "0.2.0"
