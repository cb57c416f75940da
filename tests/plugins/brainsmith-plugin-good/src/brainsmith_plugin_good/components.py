"""Components of the test plugin (plain classes: the core only imports them on use)."""


class Tidy:
    """A transform placeholder with a real constructor signature."""

    def __init__(self, level: int = 1) -> None:
        self.level = level


class Scale:
    """A kernel."""


class ScaleHLS:
    """Its HLS backend."""


class InferScale:
    """Its inference transform."""
