"""Suite-wide setup: helper imports, netverify byte-compiled once for the CLI subprocesses, and a guard that
keeps tests independent of the order they run in (the suite runs in parallel: pytest-xdist, docs/development.md).

Many tests run `python -m netverify` (or the console script) in a subprocess, where the subprocess itself is
under test (exit codes, real stdout/stderr, pre-commit, git). With PYTHONDONTWRITEBYTECODE set (as on the CI
machines) Python never caches bytecode, so each such process compiled netverify's ~130 modules again
(~0.3 s CPU each). Writing the bytecode once at session start (compileall; Python reads existing caches even
with the variable set) gives every subprocess the same code, only not recompiled. Under xdist only the
controller compiles: its pytest_sessionstart runs before it starts the workers, so they find the caches
written (and py_compile replaces each file atomically, so even a concurrent writer could not tear one).

Invariant for tests: each test leaves the process as it found it. A test that needs another working
directory uses monkeypatch.chdir; `_working_directory_restored` fails a test that leaves a different one,
because under xdist the next test on that worker would silently run elsewhere (and pass or fail by luck)."""

import compileall
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Make tests/helpers_*.py importable from every test directory.
sys.path.insert(0, str(Path(__file__).parent))


def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller compiled already
        return
    import netverify

    # quiet=2: nothing printed; a read-only installation simply keeps compiling per process.
    compileall.compile_dir(str(Path(netverify.__file__).parent), quiet=2)


@pytest.fixture(autouse=True)
def _working_directory_restored() -> Iterator[None]:
    before = os.getcwd()
    yield
    after = os.getcwd()
    if after != before:
        os.chdir(before)
        pytest.fail(f"the test left the working directory at {after} (was {before}): use monkeypatch.chdir")
