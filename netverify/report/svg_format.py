"""SVG: the DOT graph laid out by Graphviz's `dot` program, when it is installed.

Graphviz is not a Python dependency: the program is looked up on PATH, and its absence is a usage
error that says how to install it (or to write DOT and render it elsewhere).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from typing import Any, TextIO

from netverify.report import UnsupportedFormat
from netverify.report.dot_format import render as render_dot

LAYOUT_TIMEOUT_S = 300


class GraphvizMissing(UnsupportedFormat):
    """--format svg without Graphviz's dot (or dot failing): a usage problem, exit 2."""


def render(result: Any, out: TextIO, **options: Any) -> None:
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing("--format svg needs Graphviz's dot program, which is not on PATH; install graphviz "
                              "(apt-get install graphviz, brew install graphviz) or use --format dot and "
                              "render it with any Graphviz viewer")
    text = io.StringIO()
    render_dot(result, text, **options)
    done = subprocess.run([dot, "-Tsvg"], input=text.getvalue(), capture_output=True, text=True,
                          timeout=LAYOUT_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise GraphvizMissing(f"Graphviz's dot failed (exit {done.returncode}): {done.stderr.strip()[:500]}")
    out.write(done.stdout)
