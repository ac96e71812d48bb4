"""The admin scan's shared work loses no finding: on random tiered policy sets (the strategies of
test_lint_admin_vs_reference), the scan that decides each peer group once per subject key, and
alike pairs once, reports the same NV701-NV703/NV707 findings, about the same endpoints, as the
scan that decides every (subject class, peer class) pair on its own (`AdminScan(share=False)`).

Peers are compared as a subset (a finding names its peer groups whole); witnesses are compared by
being true (test_lint_admin_vs_reference) rather than equal: the unshared scan walks peer classes
one by one, the shared one by peer groups, so "the first connection seen" may name another pair of
the same group."""

from __future__ import annotations

import re
from typing import Any

from helpers_tiered_world import cnp_st as rich_cnp_st
from helpers_tiered_world import fixed_objects
from helpers_tiered_world import np_st as rich_np_st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_lint_admin_vs_reference import cnp_st, inventory, named_port_np_st, np_st, world_st

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint import admin_findings, admin_scan
from netverify.queries.lint.context import LintContext
from netverify.semantics.options import Semantics

CHECKS = (admin_findings.overlapping_priorities, admin_findings.shadowed_rules, admin_findings.passes_to_nothing,
          admin_findings.voided_network_policy_rules)


def scan_findings(docs: list[dict[str, Any]], share: bool) -> dict[tuple[object, ...], set[str]]:
    """Each finding (code, place, object, which rule or policies, direction, subjects, related places) with its
    peers."""
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, [e.render() for e in result.errors]
    ctx = LintContext(Analysis(result.cluster, Semantics(), "pod"))
    scan = admin_scan.AdminScan(ctx, ctx.admin, share=share)
    return {(f.code, f.source, f.obj, what(f.message), f.direction, f.subjects, frozenset(f.related)): set(f.peers or ())
            for check in CHECKS for f in check(scan)}


def what(message: str) -> str:
    """A message without its witness connection (`x/p0 -> y/p2 on TCP/80`) and the order it met
    NV702's shadowers and NV707's deniers in (their places are compared as `related`)."""
    message = re.sub(r"\S+ -> \S+ on \S+", "<witness>", message)
    return re.sub(r"is denied by .*? before any", "", re.sub(r"decided before it by .*?; remove", "", message))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 3).flatmap(lambda n: st.tuples(*[np_st(f"np{i}") for i in range(n)])))
def test_shared_scan_reports_what_the_pair_by_pair_scan_reports(admin: tuple[dict[str, Any], ...],
                                                                 network: tuple[dict[str, Any], ...]) -> None:
    docs = inventory([*admin, *network])
    shared, alone = scan_findings(docs, share=True), scan_findings(docs, share=False)
    assert shared.keys() == alone.keys()
    # A finding's peers are the peer groups it concerns: a group can hold a subject's own single-pod
    # class, which the pair-by-pair scan never pairs with it.
    assert all(alone[k] <= shared[k] for k in shared)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(*[rich_cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[rich_np_st(f"np{i}") for i in range(n)])))
def test_shared_scan_with_named_ports_nodes_and_node_traffic(admin: tuple[dict[str, Any], ...],
                                                            network: tuple[dict[str, Any], ...]) -> None:
    """The same in the world with named ports (split by what they resolve to on each destination), `nodes`
    and `networks` peers, and a hostNetwork pod (node traffic is exempt from ingress rules)."""
    docs = fixed_objects() + [*admin, *network]
    shared, alone = scan_findings(docs, share=True), scan_findings(docs, share=False)
    assert shared.keys() == alone.keys()
    assert all(alone[k] <= shared[k] for k in shared)


# --- a wider world (test_lint_admin_vs_reference.world_st): each pod its own named ports and node, and a
# hostNetwork pod beside some of them


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world_st,
       st.integers(1, 3).flatmap(lambda n: st.tuples(*[rich_cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[named_port_np_st(f"np{i}") for i in range(n)])))
def test_shared_scan_with_named_ports_per_pod_and_exempt_node_traffic(world: list[dict[str, Any]],
                                                                      admin: tuple[dict[str, Any], ...],
                                                                      network: tuple[dict[str, Any], ...]) -> None:
    """The same where a named port means something else on each pod, and a hostNetwork pod shares a node
    with some pods."""
    docs = world + [*admin, *network]
    shared, alone = scan_findings(docs, share=True), scan_findings(docs, share=False)
    assert shared.keys() == alone.keys()
    assert all(alone[k] <= shared[k] for k in shared)
