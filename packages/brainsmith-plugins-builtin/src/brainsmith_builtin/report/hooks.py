"""The builtin plugin's ``brainsmith_compile_artifacts`` hookimpl that writes the accelerator
report. The builtin hooks module (``brainsmith_builtin.lifecycle.hooks``) imports it, so the
plugin registers it; matplotlib and the report modules are imported only when it runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from brainsmith import hookimpl


@hookimpl(specname="brainsmith_compile_artifacts")
def write_accelerator_report(model: Any, folder: Path, report: Mapping[str, Any]) -> list[str]:
    """Write ``accelerator_report.json`` and ``accelerator_report.html`` into ``folder`` (the
    compile's staging folder) when the compile mapped hardware (``report["estimates"]`` has
    layers); return their names, or ``[]`` (no file) otherwise."""
    from .document import JSON_NAME, accelerator_report
    from .page import HTML_NAME, render_html

    document = accelerator_report(model, report)
    if document is None:
        return []
    (folder / JSON_NAME).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (folder / HTML_NAME).write_text(render_html(document), encoding="utf-8")
    return [JSON_NAME, HTML_NAME]
