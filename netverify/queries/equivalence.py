"""`equiv` and `contains`: do two policy sets allow the same connections (or one at least the other's)?

Both sets are evaluated over ONE inventory: the union of both sides' non-policy objects
(namespaces, pods, workloads, Services; on a conflict the right side's version wins), so the
question is only about the policies. Endpoints are built with the ipBlocks and label keys of
both sets, so the two reachability graphs have the same endpoint classes and can be compared
class row by class row.

Scopes:

  inventory  the loaded endpoints plus every address outside the cluster. Addresses are
             represented exactly: one representative per ipBlock atom (addresses no ipBlock
             of either set tells apart behave identically), so no external difference is missed.
             Decided with the graph engine (default) or the SMT engine; both must agree.
  any        also any pod that could exist in an existing namespace (or, with hypothetical
             namespaces, in a new one): one SMT formula, allowed_L XOR allowed_R (equiv) or
             allowed_R AND NOT allowed_L (contains). Unknown is never read as proved.

A distinguishing connection is replayed through the evaluator on both sides, so the report
names the rules that admit it on one side and the reasons it is denied on the other.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph, Row
from netverify.engines.partitions import complete
from netverify.engines.smt_types import Connection, Found, PodPattern, ReplayMismatch, Side, describe_endpoint
from netverify.model import POLICY_FIELDS, Cluster
from netverify.queries.context import Analysis
from netverify.queries.outcome import Outcome
from netverify.queries.replay import Replayer
from netverify.queries.solver_options import ProveOptions, edge_address_notes, pod_cidr_of, pod_cidrs_of
from netverify.semantics.class_tiers import TierSpec
from netverify.semantics.compile import CompiledPolicy
from netverify.semantics.endpoints import Endpoint, external_endpoint
from netverify.semantics.kinds import extra_tiers, has_first_match
from netverify.semantics.options import HOST_NETWORK_AS_NODE_NOTE, HOST_NETWORK_AS_POD_NOTE, Semantics
from netverify.semantics.verdict import Tier, pair_of_members
from netverify.sets import ConnectionSet, IPSet, address_key

RELATIONS = ("equiv", "contains")
SCOPES = ("inventory", "any")


# --- the shared inventory -----------------------------------------------------------------------


def _merge(left: Iterable[object], right: Iterable[object], key: str) -> tuple[object, ...]:
    """Objects of both sides by identity key; the right side's version wins, left order first."""
    out: dict[object, object] = {}
    for obj in (*left, *right):
        k = tuple(getattr(obj, part) for part in key.split(","))
        out[k] = obj
    return tuple(out.values())


def union_inventory(left: Cluster, right: Cluster) -> Cluster:
    """Every non-policy object of both sides (no policies)."""
    return Cluster(
        namespaces=_merge(left.namespaces, right.namespaces, "name"),  # type: ignore[arg-type]
        nodes=_merge(left.nodes, right.nodes, "name"),  # type: ignore[arg-type]
        pods=_merge(left.pods, right.pods, "namespace,name"),  # type: ignore[arg-type]
        workloads=_merge(left.workloads, right.workloads, "kind,namespace,name"),  # type: ignore[arg-type]
        services=_merge(left.services, right.services, "namespace,name"),  # type: ignore[arg-type]
        endpoint_slices=_merge(left.endpoint_slices, right.endpoint_slices, "namespace,name"),  # type: ignore[arg-type]
    )


def with_shared(shared: Cluster, side: Cluster) -> Cluster:
    """`side` plus the objects of `shared` (`--inventory`): workloads both sides run and policies they
    have in common; an object of the same kind and name in `side` wins."""
    merged = union_inventory(shared, side)
    kinds: dict[str, Any] = {kind: _merge(getattr(shared, kind), getattr(side, kind), "id") for kind in POLICY_FIELDS}
    return replace(merged, **kinds)


def _policies(*sides: Cluster) -> dict[str, Any]:
    """The policies of every kind of `sides`, one after the other (`model.POLICY_FIELDS`)."""
    return {kind: tuple(p for side in sides for p in getattr(side, kind)) for kind in POLICY_FIELDS}


_FAMILY_TOP = {4: 2**32 - 1, 6: 2**128 - 1}


def external_representatives(blocks: Iterable[IPSet], endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    """One address outside the cluster per ipBlock atom: the atoms cut both address families at every
    block boundary, and any two addresses of one atom are treated alike by every policy."""
    taken = {4: set(), 6: set()}  # type: dict[int, set[int]]
    for ep in endpoints:
        for version, value in map(address_key, ep.ips):
            taken[version].add(value)
    out: list[Endpoint] = []
    blocks = list(blocks)
    for family, top in _FAMILY_TOP.items():
        cuts = {0}
        for block in blocks:
            for lo, hi in (block.v4 if family == 4 else block.v6):
                cuts.add(lo)
                if hi < top:
                    cuts.add(hi + 1)
        bounds = sorted(cuts) + [top + 1]
        for lo, nxt in zip(bounds, bounds[1:], strict=False):
            rep = _free_address(lo, nxt - 1, taken[family])
            if rep is not None:
                address = ipaddress.IPv4Address(rep) if family == 4 else ipaddress.IPv6Address(rep)
                out.append(external_endpoint(str(address)))
    return out


def _free_address(lo: int, hi: int, taken: set[int]) -> int | None:
    """An address of [lo, hi] no loaded endpoint has; avoids the network address when it can."""
    start = lo + 1 if lo < hi else lo
    for candidate in (start, lo):
        x = candidate
        while x <= hi and x in taken:
            x += 1
        if x <= hi:
            return x
    return None


EVERY_ADDRESS = IPSet.from_cidr("0.0.0.0/0") | IPSet.from_cidr("::/0")


class PolicySets:
    """Two policy sets over one shared inventory, each side analysed as every command analyses an
    inventory (`context.Analysis`: its policies of every kind compiled into its tiers), with the
    endpoints of the joint analysis (both sides' policies tell them apart)."""

    def __init__(self, left: Cluster, right: Cluster, semantics: Semantics | None = None, by: str = "workload") -> None:
        self.inventory = union_inventory(left, right)
        # The joint analysis only provides endpoints, label keys and address signatures for both sets.
        self.joint = Analysis(replace(self.inventory, **_policies(left, right)), semantics, by)
        semantics = self.joint.semantics
        self.sides = tuple(Analysis(replace(self.inventory, **_policies(side)), semantics, by)
                           for side in (left, right))

    @property
    def left(self) -> tuple[CompiledPolicy, ...]:
        """The left set's NetworkPolicies, compiled."""
        return self.sides[0].policies

    @property
    def right(self) -> tuple[CompiledPolicy, ...]:
        return self.sides[1].policies

    @property
    def left_tiers(self) -> tuple[Tier, ...]:
        """The left set's tiers, in order (`Analysis.tiers`)."""
        return self.sides[0].tiers

    @property
    def right_tiers(self) -> tuple[Tier, ...]:
        return self.sides[1].tiers

    @property
    def specs(self) -> tuple[tuple[TierSpec, ...], tuple[TierSpec, ...]]:
        """Each side's tiers as engines fold them (`Analysis.specs`)."""
        return self.sides[0].specs, self.sides[1].specs

    @property
    def one_order(self) -> bool:
        """Whether every tier of both sides decides in one defined order (no first-match tier, whose
        equal priorities have none): the graph engine, which folds one order, then answers exactly."""
        return not any(has_first_match(specs) for specs in self.specs)

    @property
    def pods(self) -> list[Endpoint]:
        return self.joint.endpoints

    def endpoints(self) -> list[Endpoint]:
        """Loaded endpoints and one representative per external address atom (the address sets every
        tier of either side tests: ipBlocks, and those matched on every address)."""
        seen = self.joint.observations
        return self.pods + external_representatives([*seen.ip_blocks, *seen.addresses], self.pods)

    def node_ips(self) -> IPSet | None:
        ips = [ip for node in self.inventory.nodes for ip in node.ips]
        return IPSet.from_addresses(ips) if ips else None

    def host_network_reading(self) -> str | None:
        """The hostNetwork reading (--hostnetwork) the answer used, when hostNetwork pods are loaded."""
        notes = (HOST_NETWORK_AS_NODE_NOTE, HOST_NETWORK_AS_POD_NOTE)
        if any(n in ep.notes for ep in self.pods for n in notes):
            return self.joint.semantics.host_network
        return None

    def namespaces(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        return [(ns.name, ns.labels) for ns in self.inventory.namespaces]


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Distinction:
    """A connection the two sets disagree on, with each side's verdict and rules."""

    left: Connection
    right: Connection

    @property
    def allowed_by(self) -> str:
        return "A" if self.left.allowed else "B"

    def to_json(self) -> dict[str, object]:
        c = self.left

        def side(conn: Connection) -> dict[str, object]:
            v = conn.verdict
            return {"allowed": conn.allowed, "rules": conn.rules(),
                    "explanation": {"egress": v.egress.to_json(), "ingress": v.ingress.to_json(),
                                    **({"note": v.note} if v.note else {})}}

        return {"src": describe_endpoint(c.src, c.src_synthesized), "dst": describe_endpoint(c.dst, c.dst_synthesized),
                "protocol": c.protocol, "port": c.port, "allowed_by": self.allowed_by,
                "A": side(self.left), "B": side(self.right)}


@dataclass(frozen=True)
class EquivalenceResult:
    relation: str  # equiv | contains
    left: str  # how side A was given (a path, a git revision)
    right: str
    scope: str  # inventory | any
    engine: str  # graph | smt
    status: str  # holds | fails | unknown
    distinction: Distinction | None = None
    reason: str = ""  # why the solver gave up
    counts: tuple[int, int, int] = (0, 0, 0)  # policies in A, policies in B, loaded endpoints
    notes: tuple[str, ...] = ()
    host_network_reading: str | None = None  # --hostnetwork, when hostNetwork pods are loaded

    def headline(self) -> str:
        if self.status == "unknown":
            return "UNKNOWN"
        if self.relation == "equiv":
            return "EQUIVALENT" if self.status == "holds" else "NOT EQUIVALENT"
        return "A CONTAINS B" if self.status == "holds" else "A DOES NOT CONTAIN B"

    def scope_text(self) -> str:
        if self.scope == "any":
            return "any pod that could exist, every loaded endpoint and every address outside the cluster"
        return f"the {self.counts[2]} loaded endpoints and every address outside the cluster"

    def to_json(self) -> dict[str, object]:
        return {"relation": self.relation, "status": self.status, "holds": self.holds,
                "A": {"source": self.left, "policies": self.counts[0]},
                "B": {"source": self.right, "policies": self.counts[1]},
                "scope": self.scope, "engine": self.engine, "endpoints": self.counts[2],
                "distinguishing": self.distinction.to_json() if self.distinction else None,
                **({"unknown": self.reason} if self.status == "unknown" else {}),
                **({"host_network_reading": self.host_network_reading} if self.host_network_reading else {}),
                "notes": list(self.notes)}

    @property
    def holds(self) -> bool | None:
        return None if self.status == "unknown" else self.status == "holds"

    @property
    def outcome(self) -> Outcome:
        return Outcome.of(self.holds)


# --- the comparison -----------------------------------------------------------------------------


def _sample(conns: ConnectionSet) -> tuple[str, int]:
    """One (protocol, port) of a non-empty set: TCP first, then the lowest port."""
    items = sorted(conns.items(), key=lambda item: item[0] != "TCP")
    proto, ports = items[0]
    lo, _ = next(iter(ports))
    return proto, lo


def _explain(sets: PolicySets, src: Endpoint, dst: Endpoint, proto: str, port: int, relation: str,
             src_synthesized: bool = False, dst_synthesized: bool = False, found: Found | None = None) -> Distinction:
    """Replay a connection through the evaluator on both sides (in the order of equal priorities the
    solver used, if any); a disagreement with the engine is a bug."""
    found = found or Found(src, dst, proto, port, src_synthesized, dst_synthesized)
    left = Replayer(sets.left_tiers).connection(found)
    right = Replayer(sets.right_tiers).connection(found)
    expected = left.allowed != right.allowed if relation == "equiv" else (right.allowed and not left.allowed)
    if not expected:
        raise ReplayMismatch(f"{src.id} -> {dst.id} {port}/{proto}: the engine found a difference, the evaluator "
                             f"says A {'allows' if left.allowed else 'denies'} and B "
                             f"{'allows' if right.allowed else 'denies'}")
    return Distinction(left, right)


def _is_pair(graph: ReachabilityGraph, a: int, b: int) -> bool:
    """A class pair stands for a real connection (not only a single pod with itself)."""
    return a != b or pair_of_members(graph.members[a], graph.members[b]) is not None


def _row_difference(graph: ReachabilityGraph, a: int, left: Row, right: Row,
                    relation: str) -> tuple[int, ConnectionSet] | None:
    everyone = (1 << len(graph.reps)) - 1
    for ml, cl in complete(left, everyone):
        for mr, cr in complete(right, everyone):
            both = ml & mr
            if not both or cl == cr:
                continue
            diff = cr - cl if relation == "contains" else (cl - cr) | (cr - cl)
            if not diff:
                continue
            for b in bit_list(both):
                if _is_pair(graph, a, b):
                    return b, diff
    return None


def compare_graph(sets: PolicySets, relation: str) -> Distinction | None:
    """The inventory-scope answer from the graph engine: per class, compare the two rows."""
    endpoints = sets.endpoints()
    signature = {e.id: sets.joint.ip_signature(e) for e in endpoints}
    keys = sets.joint.label_keys
    specs_left, specs_right = sets.specs
    gl = ReachabilityGraph(endpoints, sets.left, signature, keys, specs_left)
    gr = ReachabilityGraph(endpoints, sets.right, signature, keys, specs_right)
    assert gl.class_of == gr.class_of  # same endpoints, same keys: same classes
    for a in range(len(gl.reps)):
        if gl.rows[a] == gr.rows[a]:
            continue
        found = _row_difference(gl, a, gl.rows[a], gr.rows[a], relation)
        if found is None:
            continue
        b, diff = found
        src, dst = _members_pair(gl.members[a], gl.members[b])
        proto, port = _sample(diff)
        return _explain(sets, src, dst, proto, port, relation)
    return None


def _members_pair(srcs: Sequence[Endpoint], dsts: Sequence[Endpoint]) -> tuple[Endpoint, Endpoint]:
    pair = pair_of_members(srcs, dsts)
    if pair is None:
        raise AssertionError("no pair in a class pair that _is_pair accepted")
    return pair


def compare_smt(sets: PolicySets, relation: str, scope: str,
                options: ProveOptions) -> tuple[str, Distinction | None, str, tuple[str, ...]]:
    """(status, distinction, unknown reason, notes) from one SMT query over the scope's sides."""
    from netverify.engines.smt_compare import PolicySetComparator  # loads z3: only when proving

    pods = tuple(sets.pods)
    pattern = PodPattern(cidr=options.pod_cidr) if scope == "any" else None
    side = Side(scope, pods, pattern, EVERY_ADDRESS)
    inferred = pod_cidr_of(pods)
    engine = PolicySetComparator(*sets.specs, pods, sets.namespaces(),
                                 options.hypothetical_namespaces, options.timeout_s,
                                 observations=sets.joint.observations, preferred_pod_cidr=options.pod_cidr or inferred,
                                 node_ips=sets.node_ips(), rlimit=options.rlimit)
    outcome = engine.compare(relation, side, side)
    groups = [g.members for g in engine.tie_groups]
    notes: tuple[str, ...] = ()
    if outcome.status != "fails":
        notes = (f"equal-priority admin policies have no defined order; proved for every order of "
                 f"{'; '.join(groups)} (a policy both sets have in the same place in both)",) \
            if groups and outcome.status == "holds" else ()
        return outcome.status, None, outcome.reason, notes
    w = outcome.witness
    assert w is not None
    notes = (f"equal-priority admin policies have no defined order; this connection uses the order "
             f"{'; '.join(w.order_text)}",) if w.order_text else ()
    notes += _pod_cidr_notes(w, options, pods)
    return "fails", _explain(sets, w.src, w.dst, w.protocol, w.port, relation, w.src_synthesized,
                             w.dst_synthesized, w), "", notes


def _pod_cidr_notes(found: Found, options: ProveOptions, pods: Sequence[Endpoint]) -> tuple[str, ...]:
    """Without --pod-cidr: where the witness's synthesized pods took their IPs (as `can --any` says); and
    an address a node's pod range never hands out, when the witness needs one."""
    synthesized = [ep for ep, made in ((found.src, found.src_synthesized), (found.dst, found.dst_synthesized)) if made]
    if options.pod_cidr is not None or not synthesized:
        return edge_address_notes(synthesized)
    cidrs = pod_cidrs_of(pods)
    if not cidrs:
        return ("no --pod-cidr and no loaded pod with an IP: the pod that could exist may take any address; "
                "give --pod-cidr to say where pods get their IPs",) + edge_address_notes(synthesized)
    return (f"no --pod-cidr: pod IPs in this witness are taken from {', '.join(cidrs)}, inferred from the loaded "
            "pods' IPs (pods that could exist may still take any address; --pod-cidr restricts them)",
            *edge_address_notes(synthesized))


def compare(left: Cluster, right: Cluster, labels: tuple[str, str], relation: str = "equiv",
            scope: str = "inventory", engine: str = "graph", semantics: Semantics | None = None,
            by: str = "workload", options: ProveOptions | None = None) -> EquivalenceResult:
    """Whether A (left) and B (right) allow the same connections (equiv) or A at least B's (contains)."""
    sets = PolicySets(left, right, semantics, by)
    counts = (len(sets.left), len(sets.right), len(sets.pods))
    notes = _notes(left, right)
    reading = sets.host_network_reading()
    if scope == "inventory" and engine == "graph" and sets.one_order:
        found = compare_graph(sets, relation)
        return EquivalenceResult(relation, *labels, scope, "graph", "fails" if found else "holds", found,
                                 counts=counts, notes=notes, host_network_reading=reading)
    if scope == "inventory" and engine == "graph":
        tiers = ", ".join(dict.fromkeys(n for specs in sets.specs for n in extra_tiers(specs)))
        notes += (f"admin policies are loaded ({tiers} tiers): the loaded inventory is compared with the SMT "
                  "engine, which folds every tier in every order of equal priorities",)
    status, found, reason, smt_notes = compare_smt(sets, relation, scope, options or ProveOptions())
    return EquivalenceResult(relation, *labels, scope, "smt", status, found, reason, counts, notes + smt_notes,
                             reading)


def _notes(left: Cluster, right: Cluster) -> tuple[str, ...]:
    notes = []
    if not left.policies:
        notes.append("A has no NetworkPolicy")
    if not right.policies:
        notes.append("B has no NetworkPolicy")
    if not (left.pods or left.workloads or right.pods or right.workloads):
        notes.append("no pod or workload was loaded: only addresses outside the cluster were compared "
                     "(pass the workloads with --inventory, or use --any)")
    elif not (left.pods or left.workloads) and (right.pods or right.workloads):
        notes.append("A has no pods or workloads: B's inventory is used for both")
    elif not (right.pods or right.workloads) and (left.pods or left.workloads):
        notes.append("B has no pods or workloads: A's inventory is used for both")
    return tuple(notes)
