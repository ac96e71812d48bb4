"""Suite-wide setup: helper imports, and netverify byte-compiled once for the CLI subprocesses.

Many tests run `python -m netverify` (or the console script) in a subprocess, where the subprocess itself is
under test (exit codes, real stdout/stderr, pre-commit, git). With PYTHONDONTWRITEBYTECODE set (as on the CI
machines) Python never caches bytecode, so each such process compiled netverify's ~130 modules again
(~0.3 s CPU each). Writing the bytecode once at session start (compileall; Python reads existing caches even
with the variable set) gives every subprocess the same code, only not recompiled."""

import compileall
import sys
from pathlib import Path

# Make tests/helpers_*.py importable from every test directory.
sys.path.insert(0, str(Path(__file__).parent))


def pytest_sessionstart() -> None:
    import netverify

    # quiet=2: nothing printed; a read-only installation simply keeps compiling per process.
    compileall.compile_dir(str(Path(netverify.__file__).parent), quiet=2)
