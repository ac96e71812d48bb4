"""Human-readable terminal output (rich): the entry point of the text format, dispatching each result to its
renderer module, imported only when a result of its kind is written (issue 19: importing every renderer,
and through them every query's result type, cost `netverify can` the lint, solver, exposure and diff modules).

Invariant, tested (tests/unit/report/test_text_dispatch.py): RENDERERS names every result type a text
renderer is registered for, with the module that registers it. Shared pieces are in text_common (the
console, `render` on which the renderer modules register) and text_verdicts (the lines that explain a
verdict); the matrices are in text_matrix."""

from __future__ import annotations

from importlib import import_module
from typing import Any, TextIO

from netverify.report import text_common

# Result type (module.qualname) -> the module that registers its text renderer on text_common.render.
RENDERERS: dict[str, str] = {
    "netverify.queries.reach.ReachResult": "netverify.report.text_reach",
    "netverify.queries.services.ServiceReachResult": "netverify.report.text_reach",
    "netverify.queries.matrix.MatrixResult": "netverify.report.text_matrix",
    "netverify.queries.namespace_matrix.NamespaceMatrixResult": "netverify.report.text_matrix",
    "netverify.queries.services.ServiceMatrixResult": "netverify.report.text_matrix",
    "netverify.queries.prove.CheckResult": "netverify.report.text_check",
    "netverify.queries.prove.AnyReachResult": "netverify.report.text_check",
    "netverify.queries.exposure.ExposureResult": "netverify.report.text_exposure",
    "netverify.queries.lint.LintResult": "netverify.report.text_lint",
    "netverify.queries.equivalence.EquivalenceResult": "netverify.report.text_equivalence",
    "netverify.queries.paths.PathsResult": "netverify.report.text_paths",
    "netverify.queries.paths.BlastRadiusResult": "netverify.report.text_paths",
    "netverify.queries.diff.DiffResult": "netverify.report.diff_text",
}


def renderer_module(result_type: type) -> str | None:
    """The module that renders `result_type` (or the nearest base class named in RENDERERS) as text."""
    for cls in result_type.__mro__:
        module = RENDERERS.get(f"{cls.__module__}.{cls.__qualname__}")
        if module is not None:
            return module
    return None


def render(result: Any, out: TextIO, **options: Any) -> None:
    """Write `result` as text; NotImplementedError (from text_common.render) for a type no module renders."""
    module = renderer_module(type(result))
    if module is not None:
        import_module(module)
    text_common.render(result, out, **options)
