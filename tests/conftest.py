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
because under xdist the next test on that worker would silently run elsewhere (and pass or fail by luck).
Likewise the terminal the suite was started from does not reach the tests: `_no_terminal_settings` removes
COLUMNS, LINES, NO_COLOR and FORCE_COLOR, which the CLI reads to lay out and colour its text (pytest-xdist's
workers start with COLUMNS=80 and LINES=24 set, which folded the in-process CLI tests' tables; a developer
with COLUMNS exported would have seen the same). A test about those variables sets them itself."""

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


TERMINAL_SETTINGS = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")


@pytest.fixture(autouse=True)
def _no_terminal_settings() -> Iterator[None]:
    # By hand, not monkeypatch: requesting monkeypatch here would set it up before _working_directory_restored,
    # whose check would then run before monkeypatch restored a test's directory.
    saved = {name: os.environ.pop(name) for name in TERMINAL_SETTINGS if name in os.environ}
    yield
    for name in TERMINAL_SETTINGS:
        os.environ.pop(name, None)
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def _working_directory_restored() -> Iterator[None]:
    before = os.getcwd()
    yield
    after = os.getcwd()
    if after != before:
        os.chdir(before)
        pytest.fail(f"the test left the working directory at {after} (was {before}): use monkeypatch.chdir")
