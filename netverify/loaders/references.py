"""Names in the loaded inventory that refer to nothing loaded: located warnings, computed once per load."""

from __future__ import annotations

from netverify.model import Cluster, Diagnostic, Direction, Pod, Severity, Workload
from netverify.model.source import quoted


def unresolved_references(cluster: Cluster) -> list[Diagnostic]:
    """Warnings (errors under --strict) for names that refer to nothing loaded.

    A named port in a policy rule resolves on the destination's containers: the pods the policy
    selects (ingress) or the peers (egress). Only a name that no container of any candidate
    declares is reported: that port entry admits nothing, whatever the selectors match, which is
    almost always a typo or a renamed port.
    """
    declared_in: dict[str, set[str]] = {}
    owners: tuple[Pod | Workload, ...] = (*cluster.pods, *cluster.workloads)
    for owner in owners:
        declared_in.setdefault(owner.namespace, set()).update(p.name for p in owner.ports if p.name)
    everywhere = set().union(*declared_in.values())
    out: list[Diagnostic] = []
    for policy in cluster.policies:
        for rule in (*policy.ingress, *policy.egress):
            known = declared_in.get(policy.namespace, set()) if rule.direction is Direction.INGRESS else everywhere
            where = f"in namespace {policy.namespace}" if rule.direction is Direction.INGRESS else "in any namespace"
            for spec in rule.ports:
                if isinstance(spec.port, str) and spec.port not in known:
                    out.append(Diagnostic(
                        Severity.WARNING, spec.source,
                        f"named port {quoted(spec.port)} is declared by no container {where}: this port entry of "
                        f"{rule.direction.value}[{rule.index}] admits nothing",
                        "check the name against the containers' ports[].name, or write the port number",
                        f"NetworkPolicy {policy.id}"))
    return out
