"""Which query answers `matrix` and `can`: the Service variant or the pod one.

The choice is the caller's (the destination is a Service; `--by service`), made here once, so
that neither matrix.py nor reach.py knows of services.py (which builds on them): no import circle.
"""

from __future__ import annotations

from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointSet
from netverify.queries.matrix import MatrixResult, matrix
from netverify.queries.ports import PortQuery
from netverify.queries.reach import ReachResult, can_reach, check_not_empty
from netverify.queries.services import ServiceMatrixResult, can_reach_service, service_matrix
from netverify.semantics.options import Granularity


def matrix_answer(analysis: Analysis, query: PortQuery | None = None) -> MatrixResult | ServiceMatrixResult:
    """The matrix of pods/workloads, or with Services as destinations when the analysis is by service
    (a result type of its own: see queries/services.py)."""
    if analysis.by is Granularity.SERVICE:
        return service_matrix(analysis, query or PortQuery())
    return matrix(analysis, query)


def can_answer(analysis: Analysis, src: EndpointSet, dst: EndpointSet, query: PortQuery,
               quantifier: str = "all") -> ReachResult:
    """`can`: through the Service's port translation when the destination is a Service.

    The quantifier ("all" pairs, or "some") and the empty-set errors are can_reach's (queries/reach.py)."""
    if dst.service is not None:
        check_not_empty(analysis, "SRC", src)
        return can_reach_service(analysis, src, dst, query, quantifier)
    return can_reach(analysis, src, dst, query, quantifier)
