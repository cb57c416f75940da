"""A lifecycle demo plugin for brainsmith's integration tests."""
