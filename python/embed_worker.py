"""Writes Sources/VigilPython/WorkerScript.swift: vigil_worker.py as a Swift string, so that Vigil runs
the worker with `python -c` and needs no file of its own on disk. Run after editing vigil_worker.py:

    python3 python/embed_worker.py

VigilPythonTests checks that the two are the same.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "vigil_worker.py")
TARGET = os.path.join(os.path.dirname(HERE), "Sources", "VigilPython", "WorkerScript.swift")

with open(SOURCE) as f:
    source = f.read()
assert '"""#' not in source and "\r" not in source, "the worker must fit in a Swift #\"\"\" raw string"
with open(TARGET, "w") as f:
    f.write(
        "// Generated from python/vigil_worker.py by python/embed_worker.py: do not edit by hand.\n"
        "// VigilPythonTests checks that the two stay the same.\n\n"
        "/// The worker, run as `python -c <source> MODEL_DIR` so that Vigil needs no file of its own on disk.\n"
        "enum WorkerScript {\n"
        '    static let source = #"""\n'
        f"{source}"
        '"""#\n'
        "}\n"
    )
print(f"wrote {os.path.relpath(TARGET, os.path.dirname(HERE))}")
