def register_all():
    return {"kernels": [{"name": "Broken"}], "backends": [], "steps": []}
