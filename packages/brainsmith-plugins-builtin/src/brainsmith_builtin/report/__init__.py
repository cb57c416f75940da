"""The accelerator report: ``accelerator_report.json`` and a self-contained
``accelerator_report.html`` written beside a dataflow compile's model.

Modules, one concept each (imported only when a compile writes the report, so listing plugins
never loads matplotlib):

- :mod:`.fifos`: the StreamingFIFO depths on each kernel's input and output streams;
- :mod:`.document`: the JSON document, built from the compile report's ``estimates``,
  ``mapping``, ``folding`` and ``target`` sections and the compiled model;
- :mod:`.charts`: the two matplotlib charts (cycles per layer, resources versus device) as
  inline SVG;
- :mod:`.page`: the HTML page;
- :mod:`.hooks`: the ``brainsmith_compile_artifacts`` hookimpl that writes both files.
"""
