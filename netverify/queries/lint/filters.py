"""lint's --src/--dst and -n filters: keep the findings about some endpoints or namespaces.

Every check runs on the whole inventory (policies in other namespaces decide traffic too); the
filters then choose among the findings, as `matrix --src/--dst/-n` chooses among pairs:

- What a finding is about: the endpoints its check named (`Finding.subjects`, with `direction` and
  `peers`), else what its object stands for: a pod or workload itself, the endpoints a
  NetworkPolicy selects, the pods of a Namespace.
- `--src S`: a finding about egress is kept when one of its subjects is in S; about ingress, when
  one of its peers is (no peers named: any source, so it is kept); about no particular direction,
  when one of its subjects is in S. `--dst D` the same way round. Findings about no endpoint at all
  (a policy that selects nothing, an invalid object) are dropped by --src/--dst.
- `-n NS` (files): a finding is kept when its object lives in NS, or, for a cluster-scoped object
  (admin policies), when one of its subjects does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from netverify.queries.lint.context import LintContext
from netverify.queries.lint.findings import Finding
from netverify.semantics.endpoints import Endpoint

NAMESPACED_KINDS_WITHOUT_ENDPOINT = ("NetworkPolicy", "Namespace")


@dataclass(frozen=True)
class LintFilter:
    sources: frozenset[str] | None = None  # endpoint ids (None: every endpoint)
    destinations: frozenset[str] | None = None
    namespaces: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.sources is not None or self.destinations is not None or bool(self.namespaces)


class FindingScope:
    """What findings are about, on one inventory."""

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx

    @cached_property
    def _by_object(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ep in self.ctx.analysis.endpoints:
            if ep.external:
                continue
            out.setdefault(f"{ep.kind} {ep.namespace}/{ep.name}", []).append(ep.id)
            out.setdefault(f"Namespace {ep.namespace}", []).append(ep.id)
        for cp, mask in zip(self.ctx.policies, self.ctx.policy_masks, strict=True):
            out[f"NetworkPolicy {cp.policy.id}"] = self.ctx.member_ids(mask)
        return out

    def subjects(self, f: Finding) -> tuple[str, ...]:
        if f.subjects:
            return f.subjects
        return tuple(self._by_object.get(f.obj, ()))

    @staticmethod
    def namespace(f: Finding) -> str | None:
        """The namespace of the finding's object; None for cluster-scoped objects."""
        kind, _, name = f.obj.partition(" ")
        if kind == "Namespace":
            return name
        return name.split("/", 1)[0] if "/" in name else None

    def namespace_of(self, endpoint_id: str) -> str:
        ep: Endpoint | None = self.ctx.analysis.by_id.get(endpoint_id)
        return ep.namespace if ep is not None else ""

    def keep(self, flt: LintFilter, f: Finding) -> bool:
        subjects = self.subjects(f)
        if flt.namespaces:
            own = self.namespace(f)
            inside = own in flt.namespaces if own is not None else any(
                self.namespace_of(s) in flt.namespaces for s in subjects)
            if not inside:
                return False
        return all(self._side(wanted, f, subjects, role) for wanted, role in
                   ((flt.sources, "egress"), (flt.destinations, "ingress")))

    @staticmethod
    def _side(wanted: frozenset[str] | None, f: Finding, subjects: tuple[str, ...], own_direction: str) -> bool:
        """Whether the finding concerns traffic on this side (`own_direction`: the direction in which the
        finding's subjects are on this side: egress for sources, ingress for destinations)."""
        if wanted is None:
            return True
        if not subjects:
            return False
        if f.direction in ("", own_direction):
            return bool(wanted.intersection(subjects))
        return f.peers is None or bool(wanted.intersection(f.peers))


def filtered(ctx: LintContext, flt: LintFilter, findings: list[Finding]) -> list[Finding]:
    if not flt.active:
        return findings
    scope = FindingScope(ctx)
    return [f for f in findings if f.code.startswith("NV3") or scope.keep(flt, f)]
