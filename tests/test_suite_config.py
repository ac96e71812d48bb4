"""The suite's own configuration (pyproject's pytest options): a run says how it ended, quiet or not, and where
its time went, also when its tests run in parallel (pytest-xdist workers)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_a_quiet_parallel_run_still_ends_with_its_durations_and_summary_line(tmp_path: Path) -> None:
    """`pytest -q` (as docs and CI scripts run it) says how many passed: the options add no second -q; and the
    slowest-tests listing that shows where CI's budget goes is printed from the workers' reports."""
    # Each sample test passes only on an xdist worker: the options did run the suite in parallel.
    on_a_worker = "    assert os.environ.get('PYTEST_XDIST_WORKER', '').startswith('gw')\n"
    (tmp_path / "test_sample.py").write_text(f"import os\n\ndef test_one():\n{on_a_worker}\ndef test_two():\n{on_a_worker}")
    done = subprocess.run([sys.executable, "-m", "pytest", "-c", str(PYPROJECT), "--rootdir", str(tmp_path),
                           "-p", "no:cacheprovider", "-q", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout.strip().splitlines()[-1]), done.stdout
    assert "slowest 25 durations" in done.stdout, done.stdout


def _addopts() -> list[str]:
    return re.findall(r'^addopts = "(.*)"$', PYPROJECT.read_text(), flags=re.M)


def test_the_suite_runs_on_every_core_keeping_each_module_on_one_worker() -> None:
    """Parallel by default (docs/development.md: `-n 0` to run serially); module fixtures are built once."""
    options = " ".join(_addopts()).split()
    assert "-n" in options and options[options.index("-n") + 1] == "auto"
    assert "--dist" in options and options[options.index("--dist") + 1] == "loadscope"
