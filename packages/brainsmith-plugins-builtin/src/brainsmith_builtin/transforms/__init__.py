"""brainsmith's own transforms, one sub-package per compile stage."""
