"""The network-policy-api conformance suite as data: cases, steps, probes and the mutations between them.

Upstream (kubernetes-sigs/network-policy-api ``conformance/``) runs each ``ConformanceTest`` on a live
cluster: it applies the base topology (``conformance/base/manifests.yaml``) and the test's manifests,
then runs ``t.Run`` subtests in order. A subtest may change the cluster (swap two rules, change a
rule's action or ports, change a priority, prepend a rule, relabel a namespace, delete a
NetworkPolicy) and calls ``kubernetes.PokeServer(client pod, protocol, server pod IP, port,
shouldConnect)``. Changes are cumulative within one test; every test starts again from its manifests.

Here the same happens on manifest dicts: `states` replays a case's operations in order and yields,
for each probe, the documents in force at that moment. The expectations (``Poke.connects``) are the
upstream ``shouldConnect`` arguments, transcribed by hand with the upstream line of each call; no
evaluator produced them. The fixtures live in fixtures/conformance/network-policy-api/<version>/.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "conformance" / "network-policy-api"
NAMESPACE_PREFIX = "network-policy-conformance-"
ADMIN_KINDS = ("ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy")
UPSTREAM = {
    "v1alpha2": "kubernetes-sigs/network-policy-api@0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159 (main)",
    "v1alpha1": "kubernetes-sigs/network-policy-api@0638d394d89ddb61dded975b502391a122fc762c (tag v0.1.7)",
}


def namespace_of(house: str) -> str:
    return NAMESPACE_PREFIX + house


@dataclass(frozen=True)
class Poke:
    """One ``kubernetes.PokeServer`` call: client ``house/pod`` connects to server ``house/pod``'s pod IP."""

    client: str
    protocol: str  # "tcp" | "udp" | "sctp", as upstream writes it
    server: str
    port: int
    connects: bool
    line: int  # the upstream line of the call

    def describe(self) -> str:
        verb = "connects" if self.connects else "does not connect"
        return f"{self.client} {verb} to {self.server} on {self.protocol.upper()} {self.port}"


@dataclass(frozen=True)
class Swap:
    """``mutate.Spec.<Direction>[i], [j] = [j], [i]`` on the named admin policy."""

    policy: str
    direction: str
    i: int
    j: int


@dataclass(frozen=True)
class SetRuleField:
    """Replace one field of one rule: the action, or its ports/protocols."""

    policy: str
    direction: str
    index: int
    field: str
    value: Any


@dataclass(frozen=True)
class SetPriority:
    policy: str
    priority: int


@dataclass(frozen=True)
class PrependNetworksRule:
    """Insert a rule at index 0 whose one peer lists the given pods' IPs as /32 (or /128) networks."""

    policy: str
    name: str
    action: str
    pods: tuple[str, ...]


@dataclass(frozen=True)
class LabelNamespace:
    """``SetLabels`` on a house's namespace: the labels are replaced (the API server keeps metadata.name)."""

    house: str
    labels: dict[str, str]


@dataclass(frozen=True)
class DeleteNetworkPolicy:
    house: str
    name: str


Mutation = Swap | SetRuleField | SetPriority | PrependNetworksRule | LabelNamespace | DeleteNetworkPolicy
Operation = Mutation | Poke


@dataclass(frozen=True)
class Step:
    """One ``t.Run`` subtest: its name, upstream line, and its operations in order."""

    name: str
    line: int
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class Case:
    """One upstream ``ConformanceTest``."""

    short_name: str
    test_file: str  # under conformance/tests/
    manifests: tuple[str, ...]  # under conformance/base/
    features: tuple[str, ...]
    steps: tuple[Step, ...]

    def pokes(self) -> list[Poke]:
        return [op for step in self.steps for op in step.operations if isinstance(op, Poke)]


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def initial_documents(version: str, case: Case) -> list[dict[str, Any]]:
    docs = load_documents(FIXTURES / version / "topology.yaml")
    for manifest in case.manifests:
        docs += load_documents(FIXTURES / version / manifest)
    return docs


def find_pod(docs: list[dict[str, Any]], ref: str) -> dict[str, Any]:
    house, name = ref.split("/")
    for doc in docs:
        meta = doc["metadata"]
        if doc["kind"] == "Pod" and meta["name"] == name and meta["namespace"] == namespace_of(house):
            return doc
    raise KeyError(ref)


def _admin_policy(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] in ADMIN_KINDS and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} admin policies named {name}"
    return found[0]


def apply(docs: list[dict[str, Any]], op: Mutation) -> list[dict[str, Any]]:
    """The documents after one mutation (a new list; the input is left as it was)."""
    docs = copy.deepcopy(docs)
    if isinstance(op, Swap):
        rules = _admin_policy(docs, op.policy)["spec"][op.direction]
        rules[op.i], rules[op.j] = rules[op.j], rules[op.i]
    elif isinstance(op, SetRuleField):
        _admin_policy(docs, op.policy)["spec"][op.direction][op.index][op.field] = copy.deepcopy(op.value)
    elif isinstance(op, SetPriority):
        _admin_policy(docs, op.policy)["spec"]["priority"] = op.priority
    elif isinstance(op, PrependNetworksRule):
        cidrs = []
        for ref in op.pods:
            ip = find_pod(docs, ref)["status"]["podIP"]
            cidrs.append(ip + ("/128" if ":" in ip else "/32"))
        rule = {"name": op.name, "action": op.action, "to": [{"networks": cidrs}]}
        spec = _admin_policy(docs, op.policy)["spec"]
        spec["egress"] = [rule, *spec.get("egress", [])]
    elif isinstance(op, LabelNamespace):
        for doc in docs:
            if doc["kind"] == "Namespace" and doc["metadata"]["name"] == namespace_of(op.house):
                doc["metadata"]["labels"] = dict(op.labels)
    elif isinstance(op, DeleteNetworkPolicy):
        before = len(docs)
        docs = [d for d in docs if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == op.name
                                        and d["metadata"]["namespace"] == namespace_of(op.house))]
        assert len(docs) == before - 1, op
    else:  # pragma: no cover - the union is closed
        raise TypeError(op)
    return docs


def states(version: str, case: Case) -> Iterator[tuple[Step, Poke, list[dict[str, Any]]]]:
    """Each probe of the case with the documents in force when upstream makes it."""
    docs = initial_documents(version, case)
    for step in case.steps:
        for op in step.operations:
            if isinstance(op, Poke):
                yield step, op, docs
            else:
                docs = apply(docs, op)


def probe_id(version: str, case: Case, step: Step, poke: Poke) -> str:
    return f"{version}:{case.short_name}:L{poke.line}:{poke.describe()}"
