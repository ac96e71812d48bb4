"""Text renderers of `paths` and `blast-radius` (they live in paths_format, shared with the other formats):
registered on `render` here, so that text_format imports them only for those results."""

from __future__ import annotations

from netverify.queries.paths import BlastRadiusResult, PathsResult
from netverify.report import paths_format
from netverify.report.text_common import render

render.register(BlastRadiusResult, paths_format.blast_text)
render.register(PathsResult, paths_format.paths_text)
