"""Pods the analysis cannot see: custom resources that may create pods but were skipped.

A policy that selects no loaded pod is suspicious (lint NV101/NV102) unless its pods come from something
netverify skipped, e.g. an operator's resource it has no reading for. These helpers name such resources
per namespace, so that lint and the load notes can say why a selector may match nothing here while it
matches pods on a real cluster, and what to do (describe the kind with --kinds, or read the cluster).
"""

from __future__ import annotations

from netverify.model import Cluster, SkippedObject
from netverify.semantics.selectors import matches

HOW_TO_SEE_THEM = ("describe the kind in a --kinds file (docs/custom-resources.md), add the workload it makes, "
                   "or read the cluster with --cluster")


def unseen_pod_makers(cluster: Cluster, namespace: str) -> list[SkippedObject]:
    """Skipped resources of `namespace` that may create pods netverify does not see."""
    return [s for s in cluster.skipped if s.may_create_pods and s.namespace == namespace]


def describe(makers: list[SkippedObject], limit: int = 3) -> str:
    shown = ", ".join(f"{m.kind}/{m.name or '?'}" for m in makers[:limit])
    more = f" and {len(makers) - limit} more" if len(makers) > limit else ""
    count = f"{len(makers)} custom resource{'s' if len(makers) != 1 else ''}"
    return f"{count} that may create pods {'was' if len(makers) == 1 else 'were'} skipped ({shown}{more})"


def unseen_pod_notes(cluster: Cluster) -> list[str]:
    """One note per namespace where a policy selects no loaded pod and pod-making resources were skipped."""
    notes = []
    for namespace in sorted({s.namespace for s in cluster.skipped if s.may_create_pods}):
        label_sets = [dict(o.labels) for o in cluster.pods if o.namespace == namespace]
        label_sets += [dict(w.labels) for w in cluster.workloads if w.namespace == namespace]
        empty = [p.name for p in cluster.policies if p.namespace == namespace
                 and not any(matches(p.pod_selector, labels) for labels in label_sets)]
        if not empty:
            continue
        policies = ", ".join(empty[:3]) + (f" and {len(empty) - 3} more" if len(empty) > 3 else "")
        notes.append(f"namespace {namespace}: {describe(unseen_pod_makers(cluster, namespace))}, and "
                     f"{'policy' if len(empty) == 1 else 'policies'} {policies} select no loaded pod; "
                     f"the answers lack those pods: {HOW_TO_SEE_THEM}")
    return notes
