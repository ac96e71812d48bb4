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
    (tmp_path / "test_sample.py").write_text("def test_one():\n    pass\n\ndef test_two():\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-c", str(PYPROJECT), "--rootdir", str(tmp_path),
                           "-p", "no:cacheprovider", "-q", "-n", "2", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout.strip().splitlines()[-1]), done.stdout
    assert "slowest 25 durations" in done.stdout, done.stdout

