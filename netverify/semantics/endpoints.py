"""Endpoints: the units netverify reports on (workloads, pods, external addresses).

By default pods are reported under the workload that owns them; members of one
workload that differ in anything an answer depends on (labels a selector references,
named ports, hostNetwork, the ipBlocks their IPs fall in, and the node they run on when
some hostNetwork pod shares that node: traffic from a pod's own node is always allowed)
are split into endpoints of their own, with a note. Invariant: every answer about a
workload endpoint is the answer about each of its member pods.

The hostNetwork reading (Semantics.host_network) is applied here: under "pod" a
hostNetwork pod becomes an ordinary pod endpoint (host_network False), so every engine
sees one reading; each hostNetwork endpoint carries a note naming the reading used.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from netverify.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Labels,
    Pod,
    SourceRef,
    Workload,
)
from netverify.runtime import without_gc
from netverify.semantics.options import (
    HOST_NETWORK_AS_NODE_NOTE,
    HOST_NETWORK_AS_POD_NOTE,
    Granularity,
    HostNetworkReading,
    Semantics,
)
from netverify.sets import IPSet, address_key


@dataclass(frozen=True)
class Endpoint:
    id: str
    kind: str  # "Pod", a workload kind, or "External"
    namespace: str
    name: str
    labels: Labels
    ns_labels: Labels
    ports: tuple[ContainerPort, ...] = ()
    ips: tuple[str, ...] = ()
    host_network: bool = False
    node_name: str | None = None
    pods: tuple[str, ...] = ()  # names of the loaded pods this endpoint stands for
    replicas: int | None = None
    source: SourceRef = SourceRef("")
    notes: tuple[str, ...] = ()
    labels_map: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)
    ns_labels_map: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        self.labels_map.update(self.labels)
        self.ns_labels_map.update(self.ns_labels)

    @property
    def external(self) -> bool:
        return self.kind == "External"

    @property
    def single_pod(self) -> bool:
        """True when the endpoint is exactly one pod (so a self pair is the pod talking to itself)."""
        return self.kind == "Pod" or (len(self.pods) <= 1 and self.replicas == 1)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "kind": self.kind, "namespace": self.namespace,
                                  "name": self.name, "ips": list(self.ips)}
        if self.pods and self.kind != "Pod":
            out["pods"] = list(self.pods)
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def external_endpoint(address: str) -> Endpoint:
    ip = str(ipaddress.ip_address(address))
    return Endpoint(id=ip, kind="External", namespace="", name=ip, labels=(), ns_labels=(), ips=(ip,))


class IPAtoms:
    """Classifies addresses by the set of ipBlocks that contain them.

    Block boundaries cut each address family into atoms; a sweep over the atoms gives
    each one the id of its membership set, so two addresses get the same signature
    exactly when no ipBlock tells them apart.
    """

    def __init__(self, blocks: Iterable[IPSet]) -> None:
        unique = list(dict.fromkeys(blocks))
        self._bounds: dict[int, list[int]] = {}
        self._atom_class: dict[int, list[int]] = {}
        membership_ids: dict[frozenset[int], int] = {frozenset(): 0}
        for family in (4, 6):
            events: dict[int, list[tuple[int, int]]] = {}
            for index, block in enumerate(unique):
                for lo, hi in (block.v4 if family == 4 else block.v6):
                    events.setdefault(lo, []).append((index, 1))
                    events.setdefault(hi + 1, []).append((index, -1))
            bounds = sorted(events)
            active: dict[int, int] = {}
            classes = [0]  # the atom before the first bound is in no block
            for point in bounds:
                for index, delta in events[point]:
                    count = active.get(index, 0) + delta
                    if count:
                        active[index] = count
                    else:
                        active.pop(index, None)
                key = frozenset(active)
                classes.append(membership_ids.setdefault(key, len(membership_ids)))
            self._bounds[family] = bounds
            self._atom_class[family] = classes
        # membership id -> the indices (in the order given, duplicates dropped) of the blocks containing it
        self.memberships = [key for key, _ in sorted(membership_ids.items(), key=lambda kv: kv[1])]

    def blocks_containing(self, ips: Sequence[str]) -> frozenset[int]:
        """The indices of the blocks that contain some of the addresses."""
        return self.blocks_of(self.signature(ips))

    def blocks_of(self, signature: tuple[int, ...]) -> frozenset[int]:
        """The indices of the blocks that contain some address of this signature."""
        return frozenset().union(*(self.memberships[m] for m in signature))

    def signature(self, ips: Sequence[str]) -> tuple[int, ...]:
        """The membership ids of the addresses: equal signatures = no ipBlock distinguishes them."""
        out = set()
        for version, value in map(address_key, ips):
            atom = bisect.bisect_right(self._bounds[version], value)
            out.add(self._atom_class[version][atom])
        return tuple(sorted(out))


def _ns_labels(cluster: Cluster) -> dict[str, Labels]:
    return {ns.name: ns.labels for ns in cluster.namespaces}


def owner_id(pod: Pod, workloads: dict[tuple[str, str], Workload]) -> str | None:
    """The id of the workload endpoint a pod belongs to, or None for a bare pod."""
    owner = pod.owner
    if owner is None:
        return None
    kind, name = owner.kind, owner.name
    loaded = workloads.get((kind, name))
    if kind == "ReplicaSet":
        if loaded is not None and loaded.owner is not None and loaded.owner.kind == "Deployment":
            kind, name = "Deployment", loaded.owner.name
        elif loaded is None:
            template_hash = dict(pod.labels).get("pod-template-hash")
            if template_hash and name.endswith("-" + template_hash):
                kind, name = "Deployment", name[: -len(template_hash) - 1]
    elif kind == "Job" and loaded is not None and loaded.owner is not None and loaded.owner.kind == "CronJob":
        kind, name = "CronJob", loaded.owner.name
    if kind not in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"):
        return None  # e.g. a static pod mirrored by its Node
    return f"{pod.namespace}/{kind}/{name}"


def visible_labels(labels: Labels, keys: frozenset[str] | None) -> Labels:
    """The labels a policy can see: those whose key some selector references."""
    return labels if keys is None else tuple((k, v) for k, v in labels if k in keys)


def _visible(labels: Labels, ports: tuple[ContainerPort, ...], host_network: bool,
             keys: frozenset[str] | None) -> tuple[object, ...]:
    named = tuple(sorted((p.name, p.protocol, p.port) for p in ports if p.name))
    return (visible_labels(labels, keys), named, host_network)


def _common_labels(pods: Sequence[Pod]) -> Labels:
    """Labels every member carries with the same value (drops per-pod labels such as pod-name)."""
    common = set(pods[0].labels)
    for p in pods[1:]:
        common &= set(p.labels)
    return tuple(sorted(common))


@without_gc  # every endpoint built survives (the analysis keeps them): 100,000 pods, ~-0.9 s of collections
def build_endpoints(
    cluster: Cluster, semantics: Semantics, ip_blocks: Iterable[IPSet], by: Granularity = Granularity.WORKLOAD,
    label_keys: frozenset[str] | None = None, addresses: Iterable[IPSet] = (),
) -> list[Endpoint]:
    """Endpoints of the cluster, sorted by id, one per workload (default) or per pod (`by`).

    `label_keys` are the pod label keys policies reference: members of a workload that
    differ only in other labels (pod-template-hash, pod-name...) stay together. `ip_blocks` split
    members by pod IP as the ipBlock scope says; `addresses` (admin networks, node addresses:
    compile.Observations.addresses) split them by pod IP whatever it says.
    """
    by = Granularity(by)  # a caller's spelling ("pod") becomes the member
    ns_labels = _ns_labels(cluster)
    atoms = IPAtoms(ip_blocks)
    address_list = list(addresses)
    address_atoms = IPAtoms(address_list) if address_list else None
    as_node = semantics.host_network is HostNetworkReading.NODE
    # Nodes where the node-local rule can decide an answer: those a hostNetwork pod runs on.
    host_nodes = frozenset(p.node_name for p in cluster.pods if p.host_network and p.node_name) if as_node \
        else frozenset()
    reading_note = HOST_NETWORK_AS_NODE_NOTE if as_node else HOST_NETWORK_AS_POD_NOTE
    by_ns_name: dict[str, dict[tuple[str, str], Workload]] = {}
    for w in cluster.workloads:
        by_ns_name.setdefault(w.namespace, {})[(w.kind, w.name)] = w
    out: list[Endpoint] = []

    def ns_of(namespace: str) -> Labels:
        return ns_labels.get(namespace, ((NAMESPACE_NAME_LABEL, namespace),))

    def pod_endpoint(pod: Pod, notes: tuple[str, ...] = ()) -> Endpoint:
        if pod.host_network:
            notes = (*notes, reading_note)
        return Endpoint(f"{pod.namespace}/{pod.name}", "Pod", pod.namespace, pod.name, pod.labels,
                        ns_of(pod.namespace), pod.ports, pod.ips, pod.host_network and as_node, pod.node_name,
                        (pod.name,), 1, pod.source, notes)

    groups: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        owner = owner_id(pod, by_ns_name.get(pod.namespace, {}))
        if owner is None:
            out.append(pod_endpoint(pod))
        else:
            groups.setdefault(owner, []).append(pod)

    workload_ids: dict[str, Workload] = {}
    for w in cluster.workloads:
        if w.owner is not None and (w.owner.kind, w.owner.name) in by_ns_name.get(w.namespace, {}):
            continue  # e.g. a ReplicaSet of a loaded Deployment: its owner stands for it
        wid = f"{w.namespace}/{w.kind}/{w.name}"
        if w.kind == "ReplicaSet" and w.owner is not None and w.owner.kind == "Deployment":
            wid = f"{w.namespace}/Deployment/{w.owner.name}"
        workload_ids[wid] = w

    for wid in sorted(set(groups) | set(workload_ids)):
        pods = groups.get(wid, [])
        template = workload_ids.get(wid)
        if by is Granularity.POD and pods:
            out.extend(pod_endpoint(p) for p in pods)
            continue
        grouping = _Grouping(atoms, semantics.ipblock_matches_pods, host_nodes, as_node, reading_note, address_atoms)
        out.extend(_workload_endpoints(wid, template, pods, ns_of, grouping, pod_endpoint, label_keys))
    out.sort(key=lambda e: e.id)
    return out


@dataclass(frozen=True)
class _Grouping:
    """What may tell members of one workload apart, beyond labels and named ports."""

    atoms: IPAtoms
    ipblock_matches_pods: bool
    host_nodes: frozenset[str]  # nodes some hostNetwork pod runs on (empty under --hostnetwork pod)
    as_node: bool  # the hostNetwork reading: node traffic (True) or ordinary pods (False)
    reading_note: str
    address_atoms: IPAtoms | None = None  # address sets matched on pod IPs under either scope

    def ip_signature(self, host: bool, ips: Sequence[str]) -> tuple[object, ...]:
        # hostNetwork members are matched by ipBlocks under either ipBlock scope (their IP is the node's).
        blocks = self.atoms.signature(ips) if ips and (self.ipblock_matches_pods or host) else ()
        if self.address_atoms is None:
            return blocks
        return (blocks, self.address_atoms.signature(ips) if ips else ())

    def node(self, node_name: str | None) -> str | None:
        return node_name if node_name in self.host_nodes else None


def _workload_endpoints(
    wid: str, template: Workload | None, pods: list[Pod], ns_of: Callable[[str], Labels], grouping: _Grouping,
    pod_endpoint: Callable[[Pod, tuple[str, ...]], Endpoint], keys: frozenset[str] | None,
) -> Iterator[Endpoint]:
    namespace, kind, name = wid.split("/", 2)

    def signature(p: Pod) -> tuple[object, ...]:
        host = p.host_network and grouping.as_node
        return (*_visible(p.labels, p.ports, host, keys), grouping.ip_signature(host, p.ips),
                grouping.node(p.node_name))

    by_sig: dict[tuple[object, ...], list[Pod]] = {}
    for p in pods:
        by_sig.setdefault(signature(p), []).append(p)
    if template is not None:
        main_visible = _visible(template.labels, template.ports, template.host_network and grouping.as_node, keys)
        candidates = [s for s in by_sig if s[:3] == main_visible]
        main_sig = max(candidates, key=lambda s: len(by_sig[s]), default=None)
    else:
        main_sig = max(by_sig, key=lambda s: (len(by_sig[s]), -len(str(s))), default=None)
    members = by_sig.get(main_sig, []) if main_sig is not None else []
    if template is not None:
        labels, ports, host, replicas, source = (template.labels, template.ports, template.host_network,
                                                 template.replicas, template.source)
        if members:  # the running pods are the truth; the template lacks controller-added labels
            labels = _common_labels(members)
    else:
        first = members[0]
        labels, ports, host, replicas, source = (_common_labels(members), first.ports, first.host_network, None,
                                                 first.source)
    ips = tuple(ip for p in members for ip in p.ips)
    nodes = Counter(p.node_name for p in members)
    notes = (grouping.reading_note,) if host else ()
    yield Endpoint(wid, kind, namespace, name, labels, ns_of(namespace), ports, ips, host and grouping.as_node,
                   nodes.most_common(1)[0][0] if len(nodes) == 1 else None,
                   tuple(p.name for p in members), replicas if replicas is not None else (len(members) or None), source,
                   notes)
    for sig, group in by_sig.items():
        if sig == main_sig:
            continue
        note = (f"member of {wid} reported on its own: it differs from the other members in "
                f"{_difference(sig, main_sig, template is not None)}",)  # one text, shared by the group's pods
        for p in group:
            yield pod_endpoint(p, note)


def _difference(sig: tuple[object, ...], main: tuple[object, ...] | None, has_template: bool) -> str:
    if main is None:
        return "labels"
    names = ["labels", "named ports", "hostNetwork", "the ipBlocks its IP falls in",
             "the node it runs on (a hostNetwork pod there reaches it as node traffic, always allowed)"]
    diffs = [n for n, a, b in zip(names, sig, main, strict=True) if a != b]
    return ", ".join(diffs) or "labels"
