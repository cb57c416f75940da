def brainsmith_kernels(:
    return []
