"""A well-formed manifest-first test plugin. Importing it is logged, so tests can prove that
listing and checking never import it."""

import os

if os.environ.get("BRAINSMITH_TEST_IMPORT_LOG"):
    with open(os.environ["BRAINSMITH_TEST_IMPORT_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{__name__}\n")
