"""A third-party brainsmith plugin used by the integration tests."""
