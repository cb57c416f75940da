"""The hw_transform of the test plugin that requires another."""


class InferNeeds:
    """Maps nodes to good:Scale."""
