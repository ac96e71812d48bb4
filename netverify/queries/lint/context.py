"""What every lint check reads: the analysis, endpoint classes and selector results, computed once.

Checks work on the graph engine's endpoint classes (endpoints no policy can tell apart) and on
bitsets of classes: each selector is resolved once by the class index, so no check loops over
pairs of pods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from netverify.engines.bitsets import ClassIndex, bit_list
from netverify.engines.graph import OTHER_DIRECTION, ReachabilityGraph
from netverify.model import Direction, LabelSelector, NetworkPolicy, Severity, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint.codes import CODES
from netverify.queries.lint.findings import Finding
from netverify.semantics.admin_compile import CompiledAdminPolicy
from netverify.semantics.admin_tier import admin_policies
from netverify.semantics.class_tiers import TierPolicy, TierSpec
from netverify.semantics.compile import CompiledPolicy
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.selectors import matches
from netverify.semantics.verdict import Tier

NAME_LIMIT = 3  # names listed in a message before "+N more"


def finding(code: str, source: SourceRef, text: str, obj: str = "", related: Sequence[SourceRef] = (),
            severity: Severity | None = None, direction: str = "", subjects: Sequence[str] = (),
            peers: Sequence[str] | None = None) -> Finding:
    """A finding whose one-line message ends with the link to the code's documentation; `direction`,
    `subjects` and `peers` say which traffic it is about (see Finding)."""
    base = Finding(source, code, severity or CODES[code].severity, "", obj, tuple(related))
    return Finding(source, code, base.severity, f"{text} (see {base.docs})", obj, tuple(related), direction,
                   tuple(subjects), None if peers is None else tuple(peers))


def located(source: SourceRef, fallback: SourceRef) -> SourceRef:
    """`source` when it names a file, else `fallback` (objects built in code have no location)."""
    return source if source.file else fallback


def policy_obj(policy: NetworkPolicy) -> str:
    return f"NetworkPolicy {policy.namespace}/{policy.name}"


def endpoint_obj(ep: Endpoint) -> str:
    return f"{ep.kind} {ep.namespace}/{ep.name}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def names(items: Sequence[str], limit: int = NAME_LIMIT) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@dataclass(frozen=True)
class Governing:
    """The policies of one tier that govern a subject class in one direction (`LintContext.governing`)."""

    spec: TierSpec  # the tier as engines fold it (its policies, rules and actions)
    tier: Tier  # the tier itself (its name, its kind's words: verdict.tier_family)
    policies: tuple[TierPolicy, ...]  # in the tier's evaluation order


class LintContext:
    """The inventory facts lint checks share."""

    def __init__(self, analysis: Analysis, inventory_complete: bool = True) -> None:
        self.analysis = analysis
        self.cluster = analysis.cluster
        # False when some manifest could not be read: inventory checks would report what is missing.
        self.inventory_complete = inventory_complete
        # Results several checks share, computed by the first that needs them (e.g. the admin scan).
        self.shared: dict[str, object] = {}
        self._governing: dict[Direction, list[tuple[Governing, ...]]] = {}
        self._reached: dict[Direction, list[tuple[Governing, ...]]] = {}

    @property
    def policies(self) -> tuple[CompiledPolicy, ...]:
        return self.analysis.policies

    @cached_property
    def has_pods(self) -> bool:
        """Whether any pod or workload was loaded: without them, inventory checks have nothing to say."""
        return any(not ep.external for ep in self.analysis.endpoints)

    @cached_property
    def admin(self) -> tuple[CompiledAdminPolicy, ...]:
        """The admin policies (both tiers), compiled, in evaluation order: read from the tiers, for the
        checks about the admin kinds themselves (NV70x)."""
        return admin_policies(self.analysis.tiers)

    def governing(self, direction: Direction) -> list[tuple[Governing, ...]]:
        """Per class, each tier whose policies govern it in `direction`, in tier order: the policies that
        select it and have a say in that direction (NetworkPolicy: those that isolate it; a first-match
        tier: those that apply to it with rules of that direction). Read from the graph's tier keys, so
        every tier of `Analysis.tiers` is there, whatever its kind; a NetworkPolicy tier that is final
        for a class selected for the other direction only (`--np-selection any`) does not govern it."""
        found = self._governing.get(direction)
        if found is None:
            specs = self.analysis.specs  # the graph's tiers: its tier keys index them
            tiers = {t.name: t for t in self.analysis.tiers}
            found = self._governing[direction] = [
                tuple(Governing(spec, tiers[spec.name], tuple(spec.policies[i] for i in chosen))
                      for spec, chosen in zip(specs, key, strict=True) if chosen and chosen != OTHER_DIRECTION)
                if key else () for key in self.graph.tier_keys(direction)]  # (): no tier has a policy for it
        return found

    def reached(self, direction: Direction) -> list[tuple[Governing, ...]]:
        """Per class, the tiers of `governing` that its connections of `direction` reach: down to the first
        isolating tier that is final for the class, that one included. An isolating tier that governs a
        class decides all of it; under `--np-selection any` one that selects it for the other direction
        only allows all of it: the tiers after it (the Baseline tier) never see its connections."""
        found = self._reached.get(direction)
        if found is None:
            specs = self.analysis.specs
            through = [frozenset(spec.name for spec in specs[:t + 1]) for t in range(len(specs))]
            found = self._reached[direction] = []
            for key, governing in zip(self.graph.tier_keys(direction), self.governing(direction), strict=True):
                final = next((t for t, chosen in enumerate(key) if chosen and specs[t].isolating), None)
                if final is not None:
                    governing = tuple(g for g in governing if g.spec.name in through[final])
                found.append(governing)
        return found

    @cached_property
    def graph(self) -> ReachabilityGraph:
        return self.analysis.graph

    @cached_property
    def index(self) -> ClassIndex:
        return self.graph.index

    @property
    def reps(self) -> list[Endpoint]:
        return self.graph.reps

    def members(self, mask: int) -> list[Endpoint]:
        """The endpoints of the classes in `mask`, sorted by id."""
        return sorted((ep for c in bit_list(mask) for ep in self.graph.members[c]), key=lambda e: e.id)

    def member_ids(self, mask: int) -> list[str]:
        return [ep.id for ep in self.members(mask)]

    @cached_property
    def policy_masks(self) -> list[int]:
        """Per compiled policy, the governed (not hostNetwork) classes it selects."""
        return [self.index.selected_by_policy(cp.policy.namespace, cp.policy.pod_selector) for cp in self.policies]

    def selecting(self, direction: Direction) -> list[tuple[int, ...]]:
        """Per class, the indices of the policies that isolate it for `direction`."""
        return self.graph.selecting(direction)

    @cached_property
    def host_network(self) -> list[Endpoint]:
        """hostNetwork endpoints: selectors never match them, so the class index leaves them out."""
        return [ep for ep in self.analysis.endpoints if ep.host_network and not ep.external]

    def host_network_matching(self, namespace: str | None, ns_selector: LabelSelector | None,
                              pod_selector: LabelSelector | None) -> list[Endpoint]:
        """hostNetwork endpoints whose labels a selector pair would match if they were ordinary pods."""
        out = []
        for ep in self.host_network:
            if ns_selector is None and ep.namespace != namespace:
                continue
            if ns_selector is not None and not matches(ns_selector, ep.ns_labels_map):
                continue
            if pod_selector is None or matches(pod_selector, ep.labels_map):
                out.append(ep)
        return out

    @cached_property
    def namespace_labels(self) -> list[tuple[str, dict[str, str]]]:
        return [(ns.name, dict(ns.labels)) for ns in self.cluster.namespaces]

    def namespaces_matching(self, selector: LabelSelector) -> list[str]:
        return [name for name, labels in self.namespace_labels if matches(selector, labels)]

    @cached_property
    def pod_namespaces(self) -> set[str]:
        return {ep.namespace for ep in self.analysis.endpoints if not ep.external and not ep.host_network}
