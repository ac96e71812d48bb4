"""SMT vocabulary: the finite facts policies and queries can observe, and what a loaded endpoint shows of them.

Shared by the encoder (smt_encode), the engine (smt) and the comparison engines (smt_compare):
the constants that name the kinds of a side (LOADED, SYMBOLIC, EXTERNAL, NO_NODE), the `Vocabulary`
(label keys and values, ipBlocks, port names, namespaces and nodes that matter) and
`ClassSignature` (endpoints with equal signatures are indistinguishable to every formula).
Imports no z3 at module level: `load_z3` loads it on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from netverify.engines.smt_types import Query
from netverify.model import NAMESPACE_NAME_LABEL, Labels
from netverify.semantics.compile import Observations, selector_values
from netverify.semantics.endpoints import Endpoint, IPAtoms
from netverify.sets import PROTOCOLS, IPSet

Expr = Any  # a z3 expression (z3 ships no type information)

SYMBOLIC, EXTERNAL = -1, -2
LOADED = 0  # a side's kind (`SideVars.cls`) when it is a loaded endpoint; which class: `SideVars.class_id`
NO_NODE = -1


def load_z3() -> Any:
    import z3  # lazily: only commands that prove things pay for loading the solver

    return z3


# --- vocabulary: the finite facts policies and queries can observe ------------------------------


def _add_query_facts(queries: Sequence[Query], pod: dict[str, set[str]], ns: dict[str, set[str]],
                     names: set[tuple[str, str]]) -> set[str]:
    """Add what the queries mention (labels, port names) to the policies' facts; return the
    namespaces they name."""
    extra_ns: set[str] = set()
    for q in queries:
        for term in q.ports:
            if term.name is not None and term.protocol is not None:
                names.add((term.name, term.protocol))
        for side in (q.src, q.dst):
            if side.pods is not None:
                selector_values(side.pods.pod_selector, pod)
                selector_values(side.pods.namespace_selector, ns)
                for key, value in side.pods.exact_labels or ():
                    pod.setdefault(key, set()).add(value)
                if side.pods.namespace is not None:
                    extra_ns.add(side.pods.namespace)
    return extra_ns


class Vocabulary:
    """Label keys and values, address sets, port names, namespaces and nodes that matter.

    `seen`: what the policies observe of an endpoint (semantics/compile.observe, every kind merged):
    the vocabulary is derived from it and from what the queries mention, never from a policy kind."""

    def __init__(self, seen: Observations, namespaces: Sequence[tuple[str, Labels]],
                 endpoints: Sequence[Endpoint], queries: Sequence[Query], hypothetical: bool) -> None:
        pod = {k: set(v) for k, v in seen.pod_labels.items()}
        ns = {k: set(v) for k, v in seen.namespace_labels.items()}
        blocks = dict.fromkeys(seen.ip_blocks)
        # A port name resolved whatever its protocol takes the protocol of the destination's container port.
        names = set(seen.port_names) | {(n, p) for n in seen.any_protocol_port_names for p in PROTOCOLS}
        # Address sets matched on every IP of a side, pod IPs included (`AddressTerm.every_ip`: admin
        # `networks`/`nodes` peers), kept apart from the ipBlocks matched on some IP (--ipblock-scope applies).
        self.whole_blocks = list(seen.addresses)
        self.whole_block_index = {b: i for i, b in enumerate(self.whole_blocks)}
        extra_ns = _add_query_facts(queries, pod, ns, names)
        self.hypothetical = hypothetical
        self.namespaces = [name for name, _ in namespaces]
        self.ns_labels = [dict(labels) for _, labels in namespaces]
        self.ns_index = {name: i for i, name in enumerate(self.namespaces)}
        self.fresh = len(self.namespaces)  # the index of "a namespace that does not exist yet"
        if hypothetical:
            ns.setdefault(NAMESPACE_NAME_LABEL, set()).update(self.namespaces, extra_ns)
        self.pod_values = {k: sorted(v) for k, v in sorted(pod.items())}
        self.ns_values = {k: sorted(v) for k, v in sorted(ns.items())} if hypothetical else {}
        self.blocks = list(blocks)
        self.block_index = {b: i for i, b in enumerate(self.blocks)}
        self.port_names = sorted(names)
        self.named = sorted({n for n, _ in names})
        with_nodes = any(ep.host_network for ep in endpoints)
        self.nodes = sorted({ep.node_name for ep in endpoints if ep.node_name}) if with_nodes else []
        self.node_index = {n: i for i, n in enumerate(self.nodes)}
        # Loaded classes are numbered from 0; there are at most as many as endpoints.
        self.class_bits = max(1, len(endpoints).bit_length())

    @staticmethod
    def code(values: list[str], labels: dict[str, str], key: str) -> int:
        """-1 when the key is absent, the value's index when a selector mentions it, else OTHER."""
        if key not in labels:
            return -1
        try:
            return values.index(labels[key])
        except ValueError:
            return len(values)



@dataclass(frozen=True)
class ClassSignature:
    """What formulas can see of a loaded endpoint: endpoints with equal signatures are indistinguishable."""

    namespace: int
    host_network: bool
    has_ip: bool
    node: int
    labels: tuple[int, ...]  # a code per vocabulary key
    blocks: tuple[bool, ...]  # inside each ipBlock
    named: tuple[tuple[int, ...], ...]  # numbers of each (port name, protocol)
    whole_blocks: tuple[bool, ...] = ()  # every IP inside each of vocab.whole_blocks

    @classmethod
    def of(cls, ep: Endpoint, vocab: Vocabulary, blocks: tuple[bool, ...]) -> ClassSignature:
        """`blocks`: inside each of vocab.blocks (see BlockMembership)."""
        numbers: dict[tuple[str | None, str], set[int]] = {}  # the endpoint's ports by (name, protocol), once
        for p in ep.ports:
            numbers.setdefault((p.name, p.protocol), set()).add(p.port)
        return cls(
            vocab.ns_index[ep.namespace], ep.host_network, bool(ep.ips),
            vocab.node_index.get(ep.node_name or "", NO_NODE),
            tuple(Vocabulary.code(values, ep.labels_map, k) for k, values in vocab.pod_values.items()), blocks,
            tuple(tuple(sorted(numbers.get(name_protocol, ()))) for name_protocol in vocab.port_names),
            tuple(bool(ep.ips) and all(b.contains_address(ip) for ip in ep.ips) for b in vocab.whole_blocks),
        )


class BlockMembership:
    """Which of the vocabulary's ipBlocks contain an endpoint: one bisect per address over the
    blocks' boundaries (IPAtoms), not a test per block and address (10,000 blocks x 100,000 pods)."""

    def __init__(self, blocks: Sequence[IPSet]) -> None:
        self._n = len(blocks)
        self._atoms = IPAtoms(blocks)
        self._tuples: dict[tuple[int, ...], tuple[bool, ...]] = {}

    def of(self, ep: Endpoint) -> tuple[bool, ...]:
        sig = self._atoms.signature(ep.ips)
        found = self._tuples.get(sig)
        if found is None:
            inside = self._atoms.blocks_of(sig)
            found = self._tuples[sig] = tuple(j in inside for j in range(self._n))
        return found

