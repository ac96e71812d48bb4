"""Conformance: the upstream Kubernetes e2e NetworkPolicy truth tables, checked against netverify.

Source
------
kubernetes/kubernetes ``test/e2e/network/netpol/``: the test scenarios and their expected
reachability come from ``network_policy.go`` (the version that still probes the full
3 x 3 model, before tests were cut down to per-test pod subsets), the model from
``model.go``, the expectation operations from ``reachability.go`` / ``truthtable.go``
and the policy shapes from ``policies.go`` and the ``SetSpec*`` helpers. A handful of
cases are the v1.20-era variants of the same tests (marked ``v1.20:``), taken from the
early version of network_policy.go and the policies.go helpers it used. Their policies
differ in shape (extra ``UDP/53`` DNS egress rules, implicit ``policyTypes``, named
ports, the ``ns`` label instead of ``kubernetes.io/metadata.name``) but they expect the
same reachability. Nothing here is copied Go code: every scenario is written out as data.

The model (model.go)
--------------------
Namespaces ``x``, ``y``, ``z``, labelled ``ns: <name>`` and
``kubernetes.io/metadata.name: <name>``. Each has pods ``a``, ``b``, ``c``, labelled
``pod: <name>``. Every pod has one container per (port, protocol) in
{80, 81} x {TCP, UDP, SCTP}: container ``cont-<port>-<proto>``, container port named
``serve-<port>-<proto>``. Pod IPs: 10.0.<ns>.<pod>, with x=1, y=2, z=3 and a=1, b=2,
c=3, so x/a is 10.0.1.1 and z/c is 10.0.3.3. All of them fall inside the /4 that
upstream's ``makeLargeCIDRForIP`` builds for the except-clause tests (0.0.0.0/4).

How each case is checked
------------------------
As upstream does: start a truth table over all 9 x 9 pod pairs with everything allowed,
then apply the test's ``Expect*`` operations in order. ``expect_peer(src, dst, ok)``
takes ``"*"`` (any pod), ``"x"`` (any pod in namespace x) or ``"x/a"`` on each side, the
same matching as upstream's ``Peer``. The table is compared with
``netverify matrix --by pod --format json`` at the probed port and protocol, over the 72
pairs of distinct pods. Upstream ignores loopback (``ignoreLoopback = true``), and the
matrix leaves out self pairs. A second test spot-checks the same expectations through
``netverify can``.

Multi-step upstream tests (create, validate, then update a policy or a label, validate
again) become one case per step. Each step is the static snapshot that is in force
when upstream probes: the policies that exist at that moment plus any namespace or pod
labels added so far. A probe of several ports or protocols in one step becomes one case
per probe. Test ids are the upstream ``It(...)`` text, prefixed with the upstream
context (``UDP:`` / ``SCTP:``) or ``v1.20:`` / ``extra:``, and followed by the step and
the probe.

Skipped or not translated
-------------------------
No truth-table test in network_policy.go is skipped. Every dynamic step (policy update
or delete, namespace or pod relabel) can be written as a static before/after snapshot.
What is left out, and why:

* ``network_policy_api.go``: API CRUD and validation tests (create, list, patch,
  delete, watch, endPort validation). There is no connectivity to check.
* ``network_legacy.go``: the older client/server-pod suite. It has no truth tables to
  translate, so it was not used here.
* Loopback (pod-to-itself) expectations: upstream ignores them and so does the matrix.
* Probe mechanics (``FromPort``, probing through the per-pod Service DNS name,
  retries, timeouts, the Windows TCP-only model): a static analyser has nothing to
  observe there.
* v1.20 form of the except-clause tests: the allow CIDR was ``"<x/a IP>/4"``, with host
  bits set. Upstream later replaced it with the canonical ``makeLargeCIDRForIP`` network,
  which is what is used here.
* The old ``GetRandomIngressPolicies`` background policies in namespace ``default``:
  they select pods by a ``unique`` label no model pod carries, so they cannot change
  any table.

Extras
------
The cases prefixed ``extra:`` are not from upstream; upstream has no connectivity test
for ``endPort`` port ranges or for the ``Exists``/``DoesNotExist`` selector operators.
They are written in the same style and on the same model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_k8s import dump_manifests

# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------

NAMESPACES = ("x", "y", "z")
POD_NAMES = ("a", "b", "c")
PORTS = (80, 81)
PROTOCOLS = ("TCP", "UDP", "SCTP")
NS_NAME_LABEL = "kubernetes.io/metadata.name"
ALL_PODS = tuple(f"{ns}/{pod}" for ns in NAMESPACES for pod in POD_NAMES)


def pod_ip(pod: str) -> str:
    ns, name = pod.split("/")
    return f"10.0.{NAMESPACES.index(ns) + 1}.{POD_NAMES.index(name) + 1}"


def namespace_manifest(ns: str, extra_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    labels = {"ns": ns, NS_NAME_LABEL: ns, **(extra_labels or {})}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}}


def pod_manifest(pod: str, extra_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    ns, name = pod.split("/")
    containers = [
        {
            "name": f"cont-{port}-{proto.lower()}",
            "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
            "ports": [{"containerPort": port, "name": f"serve-{port}-{proto.lower()}", "protocol": proto}],
        }
        for port in PORTS
        for proto in PROTOCOLS
    ]
    ip = pod_ip(pod)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"pod": name, **(extra_labels or {})}},
        "spec": {"terminationGracePeriodSeconds": 0, "containers": containers},
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


def model_manifests(
    namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
    pod_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Namespaces then pods; the extra labels model upstream's AddNamespaceLabel/AddPodLabels."""
    namespace_labels = namespace_labels or {}
    pod_labels = pod_labels or {}
    docs = [namespace_manifest(ns, namespace_labels.get(ns)) for ns in NAMESPACES]
    docs += [pod_manifest(pod, pod_labels.get(pod)) for pod in ALL_PODS]
    return docs


def write_manifests(path: Path, docs: Sequence[Mapping[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_manifests([dict(d) for d in docs], sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# Policy vocabulary (the shapes produced by upstream's GenNetworkPolicy / SetSpec* helpers)
# --------------------------------------------------------------------------------------

AUTO = object()  # policyTypes as upstream's SetSpecIngressRules / SetSpecEgressRules set them


def netpol(
    namespace: str,
    name: str,
    pod_selector: Mapping[str, Any],
    *,
    ingress: Sequence[Mapping[str, Any]] | None = None,
    egress: Sequence[Mapping[str, Any]] | None = None,
    policy_types: Any = AUTO,
) -> dict[str, Any]:
    """A NetworkPolicy. ``ingress=[]`` is an explicit empty list (deny); ``None`` leaves it out.

    With ``policy_types=AUTO`` the types are set the way upstream's builders set them:
    ``Ingress`` when ingress rules are given (even an empty list), ``Egress`` likewise.
    ``policy_types=None`` leaves the field out (the v1.20 helpers did), so the API's
    defaulting applies.
    """
    spec: dict[str, Any] = {"podSelector": dict(pod_selector)}
    types: list[str] = []
    if ingress is not None:
        spec["ingress"] = [dict(r) for r in ingress]
        types.append("Ingress")
    if egress is not None:
        spec["egress"] = [dict(r) for r in egress]
        types.append("Egress")
    if policy_types is AUTO:
        spec["policyTypes"] = types
    elif policy_types is not None:
        spec["policyTypes"] = list(policy_types)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def labels(**kv: str) -> dict[str, Any]:
    """matchLabels selector; ``labels()`` is ``{matchLabels: {}}`` which selects everything."""
    return {"matchLabels": dict(kv)}


def ns_named(ns: str) -> dict[str, Any]:
    """namespaceSelector on the immutable kubernetes.io/metadata.name label."""
    return {"matchLabels": {NS_NAME_LABEL: ns}}


def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    requirement: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        requirement["values"] = list(values)
    return {"matchExpressions": [requirement]}


EVERYTHING: dict[str, Any] = {}  # the empty selector {}


def peer(*, pods: Mapping[str, Any] | None = None, namespaces: Mapping[str, Any] | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if pods is not None:
        p["podSelector"] = dict(pods)
    if namespaces is not None:
        p["namespaceSelector"] = dict(namespaces)
    return p


def ip_block(cidr: str, *excepts: str) -> dict[str, Any]:
    block: dict[str, Any] = {"cidr": cidr}
    if excepts:
        block["except"] = list(excepts)
    return {"ipBlock": block}


def port(value: int | str | None = None, protocol: str | None = None, end_port: int | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if protocol is not None:
        p["protocol"] = protocol
    if value is not None:
        p["port"] = value
    if end_port is not None:
        p["endPort"] = end_port
    return p


def ingress_rule(*from_: Mapping[str, Any], ports: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if from_:
        rule["from"] = [dict(p) for p in from_]
    if ports is not None:
        rule["ports"] = [dict(p) for p in ports]
    return rule


def egress_rule(*to: Mapping[str, Any], ports: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if to:
        rule["to"] = [dict(p) for p in to]
    if ports is not None:
        rule["ports"] = [dict(p) for p in ports]
    return rule


ALLOW_ALL_RULE: dict[str, Any] = {}  # the empty rule {}: everything, every port
DNS = port(53, "UDP")  # the v1.20 helpers' extra egress port


# --------------------------------------------------------------------------------------
# Expectations (reachability.go / truthtable.go)
# --------------------------------------------------------------------------------------

Table = dict[tuple[str, str], bool]
Expectation = Callable[[Table], None]


def _matches(pattern: str, pod: str) -> bool:
    """Upstream Peer matching: "*" any pod, "x" any pod in x, "x/a" that pod."""
    if pattern == "*":
        return True
    if "/" in pattern:
        return pattern == pod
    return pod.split("/")[0] == pattern


def expect(src: str, dst: str, ok: bool) -> Expectation:
    """Reachability.Expect: one cell."""
    def apply(t: Table) -> None:
        t[(src, dst)] = ok
    return apply


def expect_all_ingress(pod: str, ok: bool) -> Expectation:
    """Reachability.ExpectAllIngress: the whole column into ``pod``."""
    def apply(t: Table) -> None:
        for src in ALL_PODS:
            t[(src, pod)] = ok
    return apply


def expect_all_egress(pod: str, ok: bool) -> Expectation:
    """Reachability.ExpectAllEgress: the whole row out of ``pod``."""
    def apply(t: Table) -> None:
        for dst in ALL_PODS:
            t[(pod, dst)] = ok
    return apply


def expect_peer(src: str, dst: str, ok: bool) -> Expectation:
    """Reachability.ExpectPeer: every cell whose source and destination match the patterns."""
    def apply(t: Table) -> None:
        for s in ALL_PODS:
            if _matches(src, s):
                for d in ALL_PODS:
                    if _matches(dst, d):
                        t[(s, d)] = ok
    return apply


def build_expected(default: bool, expectations: Iterable[Expectation]) -> dict[tuple[str, str], bool]:
    table: Table = {(s, d): default for s in ALL_PODS for d in ALL_PODS}
    for e in expectations:
        e(table)
    return {(s, d): ok for (s, d), ok in table.items() if s != d}  # loopback is not graded


# --------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # the upstream It(...) text
    policies: tuple[dict[str, Any], ...]
    port: int
    protocol: str
    expected: tuple[Expectation, ...] = ()  # applied in order to an all-`default` table
    default: bool = True  # upstream always starts from NewReachability(..., true)
    context: str = ""  # "UDP" / "SCTP" (upstream contexts), "v1.20", "extra"
    step: str = ""  # which snapshot of a multi-step upstream test
    namespace_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    pod_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        parts = [f"{self.context}: {self.name}" if self.context else self.name]
        if self.step:
            parts.append(self.step)
        parts.append(f"{self.port}/{self.protocol}")
        return " -- ".join(parts)

    def expected_table(self) -> dict[tuple[str, str], bool]:
        return build_expected(self.default, self.expected)


def C(name: str, policies: Sequence[dict[str, Any]], port: int, protocol: str, *expected: Expectation,
      **kw: Any) -> Case:
    return Case(name=name, policies=tuple(policies), port=port, protocol=protocol, expected=tuple(expected), **kw)


# Frequently used policies ------------------------------------------------------------

DENY_INGRESS_X = netpol("x", "deny-ingress", EVERYTHING, ingress=[])
DENY_ALL_X = netpol("x", "deny-all", EVERYTHING, ingress=[], egress=[])


def target_pod_a(*peers: Mapping[str, Any], name: str, ports: Sequence[Mapping[str, Any]] | None = None,
                 namespace: str = "x") -> dict[str, Any]:
    """A policy on pod=a with one ingress rule (GenNetworkPolicyWithNameAndPodMatchLabel + SetSpecIngressRules)."""
    return netpol(namespace, name, labels(pod="a"), ingress=[ingress_rule(*peers, ports=ports)])


PORT81_FROM_Y = target_pod_a(peer(namespaces=ns_named("y")), name="allow-client-a-via-ns-selector",
                             ports=[port(81, "TCP")])
PORT80_FROM_Y = target_pod_a(peer(namespaces=ns_named("y")), name="allow-client-a-via-ns-selector-80",
                             ports=[port(80, "TCP")])

# Truth tables shared by several tests.
ONLY_Y_TO_X_A = (expect_peer("x", "x/a", False), expect_peer("z", "x/a", False))
STACKED_ALLOW = (expect_peer("x", "x/a", False), expect_peer("y", "x/a", True), expect_peer("z", "x/a", False))

CIDR_EXCEPT_POLICY = netpol("x", "allow-client-a-via-cidr-egress-rule", labels(pod="a"),
                            egress=[egress_rule(ip_block("0.0.0.0/4", f"{pod_ip('x/b')}/32"))])
X_B_HOST_POLICY = netpol("x", "allow-client-a-via-cidr-egress-rule", labels(pod="a"),
                         egress=[egress_rule(ip_block(f"{pod_ip('x/b')}/32"))])

EGRESS_X_A_TO_Y_A = netpol("x", "allow-to-ns-y-pod-a", labels(pod="a"),
                           egress=[egress_rule(peer(namespaces=ns_named("y"), pods=labels(pod="a")))])

INGRESS_AND_EGRESS_TOGETHER = netpol(
    "x", "allow-client-a-via-pod-selector", labels(pod="a"),
    ingress=[ingress_rule(peer(pods=labels(pod="b")))],
    egress=[egress_rule(ports=[port(80)])],
    policy_types=["Egress", "Ingress"],
)

CLIENT_SIDE_DENY = (
    EGRESS_X_A_TO_Y_A,
    target_pod_a(peer(namespaces=ns_named("x"), pods=labels(pod="a")), name="allow-from-xa-on-ya-match-selector",
                 namespace="y"),
    netpol("y", "allow-from-xa-on-yb-match-selector", labels(pod="b"),
           ingress=[ingress_rule(peer(namespaces=ns_named("x"), pods=labels(pod="a")))]),
)

NAMED_PORT_81_INGRESS = netpol("x", "allow-all", labels(), ingress=[ingress_rule(ports=[port("serve-81-tcp")])])
NAMED_PORT_80_FROM_Y = target_pod_a(peer(namespaces=ns_named("y")), name="allow-client-a-via-ns-selector-80",
                                    ports=[port("serve-80-tcp", "TCP")])
NAMED_PORT_80_EGRESS = netpol("x", "allow-egress", labels(), egress=[egress_rule(ports=[port("serve-80-tcp")])])

ALLOW_INGRESS_PORT_80 = netpol("x", "allow-ingress-port-80", labels(), ingress=[ingress_rule(ports=[port(80)])])
ALLOW_EGRESS_PORT_80 = netpol("x", "allow-egress-port-80", labels(), egress=[egress_rule(ports=[port(80)])])

UPDATED_NS_POLICY = target_pod_a(peer(namespaces=labels(ns2="updated")), name="allow-client-a-via-ns-selector")
UPDATED_POD_POLICY = target_pod_a(peer(pods=labels(pod="b", pod2="updated")), name="allow-client-a-via-pod-selector")
ISOLATE_TARGET_POLICY = netpol("x", "deny-ingress-via-label-selector", labels(target="isolated"), ingress=[])


def _pod_and_ns_from_y_a(protocol: str, port_: int, context: str) -> Case:
    return C("should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector "
             "and NamespaceSelector",
             [target_pod_a(peer(namespaces=ns_named("y"), pods=labels(pod="a")),
                           name="allow-ns-y-pod-a-via-namespace-pod-selector")],
             port_, protocol,
             expect_all_ingress("x/a", False), expect("y/a", "x/a", True),
             context=context)


def _protocol_context(protocol: str) -> list[Case]:
    """The "NetworkPolicy between server and client using UDP/SCTP" contexts."""
    return [
        C("should support a 'default-deny-ingress' policy",
          [netpol("x", "deny-all", EVERYTHING, ingress=[])], 80, protocol,
          expect_peer("*", "x", False), context=protocol),
        C("should enforce policy based on Ports",
          [target_pod_a(peer(namespaces=ns_named("y")), name="allow-ingress-on-port-81-ns-x",
                        ports=[port(81, protocol)])], 81, protocol,
          *ONLY_Y_TO_X_A, context=protocol),
        _pod_and_ns_from_y_a(protocol, 80, protocol),
    ]


UPSTREAM_CASES: list[Case] = [
    C("should support a 'default-deny-ingress' policy", [DENY_INGRESS_X], 80, "TCP",
      expect_peer("*", "x", False)),
    C("should support a 'default-deny-all' policy", [DENY_ALL_X], 80, "TCP",
      expect_peer("*", "x", False), expect_peer("x", "*", False)),
    C("should enforce policy to allow traffic from pods within server namespace based on PodSelector",
      [target_pod_a(peer(pods=labels(pod="b")), name="x-a-allows-x-b")], 80, "TCP",
      expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),
    C("should enforce policy to allow ingress traffic for a target",
      [netpol("x", "deny-all", EVERYTHING, ingress=[]),
       target_pod_a(peer(pods=EVERYTHING, namespaces=EVERYTHING), name="allow-all-to-a")], 80, "TCP",
      expect_all_ingress("x/a", True), expect_all_ingress("x/b", False), expect_all_ingress("x/c", False)),
    C("should enforce policy to allow ingress traffic from pods in all namespaces",
      [target_pod_a(peer(namespaces=labels()), name="allow-from-another-ns")], 80, "TCP"),
    C("should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
      [target_pod_a(peer(namespaces=ns_named("y")), name="allow-client-a-via-ns-selector")], 80, "TCP",
      *ONLY_Y_TO_X_A),
    C("should enforce policy based on PodSelector with MatchExpressions",
      [target_pod_a(peer(pods=expr("pod", "In", "b")), name="x-a-allows-x-b")], 80, "TCP",
      expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),
    C("should enforce policy based on NamespaceSelector with MatchExpressions",
      [target_pod_a(peer(namespaces=expr(NS_NAME_LABEL, "In", "y")), name="allow-ns-y-match-selector")], 80, "TCP",
      *ONLY_Y_TO_X_A),
    C("should enforce policy based on PodSelector or NamespaceSelector",
      [target_pod_a(peer(namespaces=expr(NS_NAME_LABEL, "NotIn", "x")), peer(pods=labels(pod="b")),
                    name="allow-ns-y-match-selector")], 80, "TCP",
      expect("x/a", "x/a", False), expect("x/c", "x/a", False)),
    C("should enforce policy based on PodSelector and NamespaceSelector",
      [target_pod_a(peer(namespaces=expr(NS_NAME_LABEL, "NotIn", "x"), pods=labels(pod="b")),
                    name="allow-ns-y-podselector-and-nsselector")], 80, "TCP",
      expect_all_ingress("x/a", False), expect("y/b", "x/a", True), expect("z/b", "x/a", True)),
    C("should enforce policy based on Multiple PodSelectors and NamespaceSelectors",
      [target_pod_a(peer(namespaces=expr(NS_NAME_LABEL, "NotIn", "x"), pods=expr("pod", "In", "b", "c")),
                    name="allow-ns-y-z-pod-b-c")], 80, "TCP",
      expect_peer("x", "x/a", False), expect("y/a", "x/a", False), expect("z/a", "x/a", False)),
    C("should enforce policy based on any PodSelectors",
      [target_pod_a(peer(pods=labels(pod="b")), peer(pods=labels(pod="c")), name="allow-ns-x-pod-b-c")], 80, "TCP",
      expect_all_ingress("x/a", False), expect("x/b", "x/a", True), expect("x/c", "x/a", True)),
    _pod_and_ns_from_y_a("TCP", 80, ""),
    C("should enforce policy based on Ports", [PORT81_FROM_Y], 81, "TCP", *STACKED_ALLOW),
    C("should enforce multiple, stacked policies with overlapping podSelectors", [PORT81_FROM_Y], 81, "TCP",
      *STACKED_ALLOW, step="step 1: port-81 policy only"),
    C("should enforce multiple, stacked policies with overlapping podSelectors", [PORT81_FROM_Y], 80, "TCP",
      expect_all_ingress("x/a", False), step="step 1: port-81 policy only"),
    C("should enforce multiple, stacked policies with overlapping podSelectors", [PORT81_FROM_Y, PORT80_FROM_Y],
      80, "TCP", *STACKED_ALLOW, step="step 2: port-80 policy added"),
    C("should support allow-all policy", [netpol("x", "allow-all", labels(), ingress=[ALLOW_ALL_RULE])], 80, "TCP"),
    C("should support allow-all policy", [netpol("x", "allow-all", labels(), ingress=[ALLOW_ALL_RULE])], 81, "TCP"),
    C("should allow ingress access on one named port", [NAMED_PORT_81_INGRESS], 81, "TCP"),
    C("should allow ingress access on one named port", [NAMED_PORT_81_INGRESS], 80, "TCP",
      expect_peer("*", "x", False)),
    C("should allow ingress access from namespace on one named port", [NAMED_PORT_80_FROM_Y], 80, "TCP",
      *ONLY_Y_TO_X_A),
    C("should allow ingress access from namespace on one named port", [NAMED_PORT_80_FROM_Y], 81, "TCP",
      expect_all_ingress("x/a", False)),
    C("should allow egress access on one named port", [NAMED_PORT_80_EGRESS], 80, "TCP"),
    C("should allow egress access on one named port", [NAMED_PORT_80_EGRESS], 81, "TCP",
      expect_peer("x", "*", False)),
    C("should enforce updated policy",
      [netpol("x", "allow-all-mutate-to-deny-all", labels(), ingress=[ALLOW_ALL_RULE])], 81, "TCP",
      step="step 1: allow-all"),
    C("should enforce updated policy",
      [netpol("x", "allow-all-mutate-to-deny-all", labels(), ingress=[])], 81, "TCP",
      expect_peer("*", "x", False), step="step 2: updated to deny-all"),
    C("should allow ingress access from updated namespace", [UPDATED_NS_POLICY], 80, "TCP",
      expect_all_ingress("x/a", False), step="step 1: before relabel"),
    C("should allow ingress access from updated namespace", [UPDATED_NS_POLICY], 80, "TCP",
      expect_all_ingress("x/a", False), expect_peer("y", "*", True),
      step="step 2: namespace y labelled ns2=updated", namespace_labels={"y": {"ns2": "updated"}}),
    C("should allow ingress access from updated pod", [UPDATED_POD_POLICY], 80, "TCP",
      expect_all_ingress("x/a", False), step="step 1: before relabel"),
    C("should allow ingress access from updated pod", [UPDATED_POD_POLICY], 80, "TCP",
      expect_all_ingress("x/a", False), expect("x/b", "x/a", True),
      step="step 2: pod x/b labelled pod2=updated", pod_labels={"x/b": {"pod2": "updated"}}),
    C("should deny ingress from pods on other namespaces",
      [netpol("x", "deny-empty-policy", EVERYTHING, ingress=[ingress_rule(peer(pods=labels()))])], 80, "TCP",
      expect_peer("y", "x", False), expect_peer("z", "x", False)),
    C("should deny ingress access to updated pod", [ISOLATE_TARGET_POLICY], 80, "TCP",
      step="step 1: before relabel"),
    C("should deny ingress access to updated pod", [ISOLATE_TARGET_POLICY], 80, "TCP",
      expect_all_ingress("x/a", False),
      step="step 2: pod x/a labelled target=isolated", pod_labels={"x/a": {"target": "isolated"}}),
    C("should deny egress from pods based on PodSelector",
      [netpol("x", "deny-egress-pod-a", labels(pod="a"), egress=[])], 80, "TCP",
      expect_all_egress("x/a", False)),
    C("should deny egress from all pods in a namespace",
      [netpol("x", "deny-egress-ns-x", EVERYTHING, egress=[])], 80, "TCP",
      expect_peer("x", "*", False)),
    C("should work with Ingress, Egress specified together", [INGRESS_AND_EGRESS_TOGETHER], 80, "TCP",
      expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),
    C("should work with Ingress, Egress specified together", [INGRESS_AND_EGRESS_TOGETHER], 81, "TCP",
      expect_all_ingress("x/a", False), expect_all_egress("x/a", False), expect("x/b", "x/a", True)),
    C("should support denying of egress traffic on the client side (even if the server explicitly allows this "
      "traffic)", CLIENT_SIDE_DENY, 80, "TCP",
      expect_peer("x/a", "*", False), expect_peer("*", "y/a", False), expect_peer("x/a", "y/a", True),
      expect_peer("*", "y/b", False)),
    C("should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and "
      "NamespaceSelector", [EGRESS_X_A_TO_Y_A], 80, "TCP",
      expect_all_egress("x/a", False), expect("x/a", "y/a", True)),
    C("should enforce ingress policy allowing any port traffic to a server on a specific protocol",
      [target_pod_a(name="allow-ingress-by-proto", ports=[port(protocol="TCP")])], 80, "TCP"),
    C("should enforce ingress policy allowing any port traffic to a server on a specific protocol",
      [target_pod_a(name="allow-ingress-by-proto", ports=[port(protocol="TCP")])], 80, "UDP",
      expect_peer("*", "x/a", False)),
    C("should enforce multiple ingress policies with ingress allow-all policy taking precedence",
      [ALLOW_INGRESS_PORT_80], 81, "TCP",
      expect_peer("*", "x", False), step="step 1: port-80 policy only"),
    C("should enforce multiple ingress policies with ingress allow-all policy taking precedence",
      [ALLOW_INGRESS_PORT_80, netpol("x", "allow-ingress", labels(), ingress=[ALLOW_ALL_RULE])], 81, "TCP",
      step="step 2: allow-all policy added"),
    C("should enforce multiple egress policies with egress allow-all policy taking precedence",
      [ALLOW_EGRESS_PORT_80], 81, "TCP",
      expect_peer("x", "*", False), step="step 1: port-80 policy only"),
    C("should enforce multiple egress policies with egress allow-all policy taking precedence",
      [ALLOW_EGRESS_PORT_80, netpol("x", "allow-egress", labels(), egress=[ALLOW_ALL_RULE])], 81, "TCP",
      step="step 2: allow-all policy added"),
    C("should stop enforcing policies after they are deleted", [DENY_ALL_X], 80, "TCP",
      expect_peer("x", "*", False), expect_peer("*", "x", False), step="step 1: deny-all"),
    C("should stop enforcing policies after they are deleted", [], 80, "TCP",
      step="step 2: policies deleted"),
    C("should allow egress access to server in CIDR block",
      [netpol("x", "allow-client-a-via-cidr-egress-rule", labels(pod="a"),
              egress=[egress_rule(ip_block(f"{pod_ip('y/b')}/32"))])], 80, "TCP",
      expect_all_egress("x/a", False), expect("x/a", "y/b", True)),
    C("should enforce except clause while egress access to server in CIDR block", [CIDR_EXCEPT_POLICY], 80, "TCP",
      expect("x/a", "x/b", False)),
    C("should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed", [CIDR_EXCEPT_POLICY],
      80, "TCP", expect("x/a", "x/b", False), step="step 1: CIDR with x/b excepted"),
    C("should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed", [X_B_HOST_POLICY],
      80, "TCP", expect_all_egress("x/a", False), expect("x/a", "x/b", True),
      step="step 2: policy updated to x/b's /32"),
    C("should enforce policies to check ingress and egress policies can be controlled independently based on "
      "PodSelector", [netpol("x", "allow-egress-for-target", labels(pod="a"), egress=[ALLOW_ALL_RULE])], 80, "TCP",
      step="step 1: allow-egress for x/a"),
    C("should enforce policies to check ingress and egress policies can be controlled independently based on "
      "PodSelector",
      [netpol("x", "allow-egress-for-target", labels(pod="a"), egress=[ALLOW_ALL_RULE]),
       netpol("x", "deny-ingress-via-label-selector", labels(pod="a"), ingress=[])], 80, "TCP",
      expect_all_ingress("x/a", False), step="step 2: deny-ingress for x/a added"),
    C("should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
      [DENY_INGRESS_X,
       target_pod_a(name="allow-only-sctp-ingress-on-port-81", ports=[port(81, "SCTP")])], 81, "TCP",
      expect_peer("*", "x", False)),
    C("should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't "
      "support SCTP",
      [target_pod_a(name="allow-only-sctp-ingress-on-port-80", ports=[port(80, "SCTP")])], 81, "TCP",
      expect_all_ingress("x/a", False)),
    C("should not allow access by TCP when a policy specifies only UDP",
      [target_pod_a(name="allow-only-udp-ingress-on-port-81", ports=[port(81, "UDP")])], 81, "TCP",
      expect_all_ingress("x/a", False)),
    C("should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label",
      [target_pod_a(peer(namespaces=ns_named("y")), name="allow-client-a-via-ns-selector-for-immutable-ns-label")],
      80, "TCP", *ONLY_Y_TO_X_A),
    C("should enforce policy based on NamespaceSelector with MatchExpressions using default ns label",
      [netpol("x", "allow-ns-y-match-selector-for-immutable-ns-label", labels(pod="a"),
              egress=[egress_rule(peer(namespaces=expr(NS_NAME_LABEL, "NotIn", "y")))])], 80, "TCP",
      expect_peer("x/a", "y", False)),
    *_protocol_context("UDP"),
    *_protocol_context("SCTP"),
]

# The v1.20 shapes of the same tests (policies.go's GetDenyAllWithEgressDNS, GetAllowEgressByPort,
# GetAllowEgressByCIDR, GetAllowEgressByNamespaceAndPod...): extra DNS egress rules, implicit policyTypes,
# named ports and the `ns` label. Same truth tables.
V120 = "v1.20"
NAMED_PORT_80_EGRESS_DNS = netpol("x", "allow-egress", labels(),
                                  egress=[egress_rule(ports=[port("serve-80-tcp"), DNS])])

V120_CASES: list[Case] = [
    C("should support a 'default-deny-all' policy",
      [netpol("x", "deny-all-tcp-allow-dns", labels(), ingress=[], egress=[egress_rule(ports=[DNS])])], 80, "TCP",
      expect_peer("*", "x", False), expect_peer("x", "*", False), context=V120),
    C("should allow egress access on one named port", [NAMED_PORT_80_EGRESS_DNS], 80, "TCP", context=V120),
    C("should allow egress access on one named port", [NAMED_PORT_80_EGRESS_DNS], 81, "TCP",
      expect_peer("x", "*", False), context=V120),
    C("should work with Ingress, Egress specified together",
      [netpol("x", "allow-client-a-via-pod-selector", labels(pod="a"),
              ingress=[ingress_rule(peer(pods=labels(pod="b")))],
              egress=[egress_rule(ports=[port("serve-80-tcp"), DNS])], policy_types=None)], 81, "TCP",
      expect_all_ingress("x/a", False), expect_all_egress("x/a", False), expect("x/b", "x/a", True),
      context=V120),
    C("should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and "
      "NamespaceSelector",
      [netpol("x", "allow-to-ns-y-pod-a", labels(pod="a"),
              egress=[egress_rule(peer(namespaces=labels(ns="y"), pods=labels(pod="a"))), egress_rule(ports=[DNS])])],
      80, "TCP", expect_all_egress("x/a", False), expect("x/a", "y/a", True), context=V120),
    C("should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
      [netpol("x", "allow-client-a-via-ns-selector", labels(pod="a"),
              ingress=[ingress_rule(peer(namespaces=labels(ns="y")))], policy_types=None)], 80, "TCP",
      *ONLY_Y_TO_X_A, context=V120),
    C("should enforce multiple ingress policies with ingress allow-all policy taking precedence",
      [netpol("x", "allow-ingress-port-80", labels(), ingress=[ingress_rule(ports=[port("serve-80-tcp")])],
              policy_types=None)], 81, "TCP",
      expect_peer("*", "x", False), step="step 1: port-80 policy only", context=V120),
    C("should enforce multiple egress policies with egress allow-all policy taking precedence",
      [netpol("x", "allow-egress-port-80", labels(), egress=[egress_rule(ports=[port("serve-80-tcp"), DNS])])],
      81, "TCP", expect_peer("x", "*", False), step="step 1: port-80 policy only", context=V120),
    C("should enforce multiple egress policies with egress allow-all policy taking precedence",
      [netpol("x", "allow-egress-port-80", labels(), egress=[egress_rule(ports=[port("serve-80-tcp"), DNS])]),
       netpol("x", "allow-egress", labels(), egress=[ALLOW_ALL_RULE])],
      81, "TCP", step="step 2: allow-all policy added", context=V120),
    C("should allow egress access to server in CIDR block",
      [netpol("x", "allow-client-a-via-cidr-egress-rule", labels(pod="a"),
              egress=[egress_rule(ip_block(f"{pod_ip('y/b')}/32")), egress_rule(ports=[DNS])])], 80, "TCP",
      expect_all_egress("x/a", False), expect("x/a", "y/b", True), context=V120),
    C("should not allow access by TCP when a policy specifies only SCTP",
      [target_pod_a(name="allow-only-sctp-ingress-on-port-81", ports=[port(81, "SCTP")])], 81, "TCP",
      expect_all_ingress("x/a", False), context=V120),
    C("should deny UDP ingress access to updated pod", [ISOLATE_TARGET_POLICY], 80, "UDP",
      step="step 1: before relabel", context=V120),
    C("should deny UDP ingress access to updated pod", [ISOLATE_TARGET_POLICY], 80, "UDP",
      expect_all_ingress("x/a", False),
      step="step 2: pod x/a labelled target=isolated", pod_labels={"x/a": {"target": "isolated"}}, context=V120),
]

# Not upstream: endPort ranges and the Exists / DoesNotExist operators, in the suite's style.
EXTRA = "extra"
RANGE_80_81_FROM_Y = target_pod_a(peer(namespaces=ns_named("y")), name="allow-80-81-from-y",
                                  ports=[port(80, "TCP", end_port=81)])
EGRESS_RANGE_81_90 = netpol("x", "allow-egress-81-90", EVERYTHING, egress=[egress_rule(ports=[port(81, end_port=90)])])

EXTRA_CASES: list[Case] = [
    C("ingress port range 80-81 (endPort) from namespace y", [RANGE_80_81_FROM_Y], 80, "TCP",
      *ONLY_Y_TO_X_A, context=EXTRA),
    C("ingress port range 80-81 (endPort) from namespace y", [RANGE_80_81_FROM_Y], 81, "TCP",
      *ONLY_Y_TO_X_A, context=EXTRA),
    C("ingress port range 80-81 (endPort) from namespace y", [RANGE_80_81_FROM_Y], 81, "UDP",
      expect_all_ingress("x/a", False), context=EXTRA),
    C("egress port range 81-90 (endPort, protocol defaulted) from namespace x", [EGRESS_RANGE_81_90], 80, "TCP",
      expect_peer("x", "*", False), context=EXTRA),
    C("egress port range 81-90 (endPort, protocol defaulted) from namespace x", [EGRESS_RANGE_81_90], 81, "TCP",
      context=EXTRA),
    C("egress port range 81-90 (endPort, protocol defaulted) from namespace x", [EGRESS_RANGE_81_90], 81, "UDP",
      expect_peer("x", "*", False), context=EXTRA),
    # Policy level, like the rest of the matrix: no model pod serves 53, the allowed set is what counts.
    C("default-deny-all with a UDP/53 DNS egress rule still lets DNS leave namespace x",
      [netpol("x", "deny-all-tcp-allow-dns", labels(), ingress=[], egress=[egress_rule(ports=[DNS])])], 53, "UDP",
      expect_peer("*", "x", False), context=EXTRA),
    C("default-deny-all with a UDP/53 DNS egress rule still lets DNS leave namespace x",
      [netpol("x", "deny-all-tcp-allow-dns", labels(), ingress=[], egress=[egress_rule(ports=[DNS])])], 53, "TCP",
      expect_peer("*", "x", False), expect_peer("x", "*", False), context=EXTRA),
    C("ingress from namespaces where a label Exists",
      [target_pod_a(peer(namespaces=expr("ns2", "Exists")), name="allow-from-ns-with-ns2")], 80, "TCP",
      expect_all_ingress("x/a", False), expect_peer("y", "x/a", True),
      namespace_labels={"y": {"ns2": "updated"}}, context=EXTRA),
    C("ingress from pods where a label DoesNotExist",
      [target_pod_a(peer(pods=expr("pod2", "DoesNotExist")), name="allow-from-pods-without-pod2")], 80, "TCP",
      expect_all_ingress("x/a", False), expect("x/c", "x/a", True),
      pod_labels={"x/b": {"pod2": "updated"}}, context=EXTRA),
]

ALL_CASES: list[Case] = UPSTREAM_CASES + V120_CASES + EXTRA_CASES


# --------------------------------------------------------------------------------------
# Running netverify
# --------------------------------------------------------------------------------------


def _cli_main() -> Callable[[list[str]], int]:
    from netverify.cli import main  # imported lazily: the model tests below run without it
    return main


def write_case(tmp_path: Path, case: Case) -> Path:
    root = tmp_path / "manifests"
    write_manifests(root / "model.yaml", model_manifests(case.namespace_labels, case.pod_labels))
    if case.policies:
        write_manifests(root / "policies.yaml", case.policies)
    return root


def run_matrix(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    code = _cli_main()(["matrix", str(root), "--by", "pod", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, f"netverify matrix exited {code}; stdout:\n{out}"
    matrix: dict[str, Any] = json.loads(out)
    return matrix


def _port_ranges(ports: Any) -> Iterable[tuple[int, int]]:
    for p in ports:
        if isinstance(p, int):
            yield p, p
        else:
            lo, hi = p
            yield int(lo), int(hi)


def observed_table(matrix: dict[str, Any], port_: int, protocol: str) -> dict[tuple[str, str], bool]:
    """Which distinct pod pairs the matrix allows on port_/protocol; a pair with no entry is denied."""
    table = {(s, d): False for s in ALL_PODS for d in ALL_PODS if s != d}
    for conn in matrix["connections"]:
        key = (conn["src"], conn["dst"])
        if key not in table:
            continue
        for entry in conn["allowed"]:
            if entry["protocol"] == protocol and any(lo <= port_ <= hi for lo, hi in _port_ranges(entry["ports"])):
                table[key] = True
    return table


def render(table: Mapping[tuple[str, str], bool]) -> str:
    """Upstream's PrettyPrint layout: rows are sources, '.' allowed, 'X' denied, '-' loopback (not graded)."""
    lines = ["-\t" + "\t".join(ALL_PODS)]
    for s in ALL_PODS:
        cells = ["-" if s == d else ("." if table[(s, d)] else "X") for d in ALL_PODS]
        lines.append(s + "\t" + "\t".join(cells))
    return "\n".join(lines)


def diff_message(case: Case, expected: Mapping[tuple[str, str], bool], observed: Mapping[tuple[str, str], bool]) -> str:
    wrong = [(s, d) for s in ALL_PODS for d in ALL_PODS if s != d and expected[(s, d)] != observed[(s, d)]]
    word = {True: "allowed", False: "denied"}
    lines = [f"{len(wrong)} wrong pair(s) in reachability on {case.port}/{case.protocol} for: {case.id}"]
    lines += [f"  {s} -> {d}: expected {word[expected[(s, d)]]}, netverify says {word[observed[(s, d)]]}"
              for s, d in wrong]
    lines += ["expected:", render(expected), "netverify:", render(observed), "policies:",
              dump_manifests(list(case.policies), sort_keys=False) if case.policies else "  (none)"]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in ALL_CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_model_manifests_are_valid_yaml(tmp_path: Path) -> None:
    """Every manifest set written here loads with yaml.safe_load_all and has the expected shape."""
    checked_models: set[str] = set()
    for n, case in enumerate(ALL_CASES):
        root = write_case(tmp_path / str(n), case)
        model_text = (root / "model.yaml").read_text(encoding="utf-8")
        if model_text not in checked_models:  # the model only varies with the relabel steps
            checked_models.add(model_text)
            model = list(yaml.safe_load_all(model_text))
            assert [d["kind"] for d in model] == ["Namespace"] * 3 + ["Pod"] * 9
            pods = {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d for d in model if d["kind"] == "Pod"}
            assert set(pods) == set(ALL_PODS)
            for pod_id, pod in pods.items():
                assert pod["status"]["podIP"] == pod_ip(pod_id)
                assert len(pod["spec"]["containers"]) == len(PORTS) * len(PROTOCOLS)
        policy_file = root / "policies.yaml"
        policies = list(yaml.safe_load_all(policy_file.read_text(encoding="utf-8"))) if policy_file.exists() else []
        assert policies == list(case.policies)
        names = [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in policies]
        assert len(names) == len(set(names)), f"duplicate policy names in {case.id}: {names}"
    ips = [pod_ip(p) for p in ALL_PODS]
    assert len(set(ips)) == 9 and pod_ip("x/a") == "10.0.1.1" and pod_ip("z/c") == "10.0.3.3"


def test_no_policies_everything_is_reachable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The model itself: every pod is an endpoint with its IP, and with no policy every pair is open."""
    root = write_manifests(tmp_path / "manifests" / "model.yaml", model_manifests()).parent
    matrix = run_matrix(root, capsys)
    pods = {e["id"]: e for e in matrix["endpoints"] if e.get("kind") == "Pod"}
    assert set(pods) == set(ALL_PODS)
    for pod_id, endpoint in pods.items():
        assert endpoint["namespace"] == pod_id.split("/")[0] and endpoint["name"] == pod_id.split("/")[1]
        assert pod_ip(pod_id) in endpoint["ips"]
    everything = {(s, d): True for s in ALL_PODS for d in ALL_PODS if s != d}
    for port_ in PORTS:
        for protocol in PROTOCOLS:
            observed = observed_table(matrix, port_, protocol)
            baseline = Case("no policies", (), port_, protocol)
            assert observed == everything, diff_message(baseline, everything, observed)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_truth_table(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_case(tmp_path, case)
    matrix = run_matrix(root, capsys)
    assert set(ALL_PODS) <= {e["id"] for e in matrix["endpoints"]}, matrix["endpoints"]
    expected = case.expected_table()
    observed = observed_table(matrix, case.port, case.protocol)
    assert observed == expected, diff_message(case, expected, observed)


def _spot_pairs(case: Case) -> list[tuple[str, str]]:
    """A few pairs per case for `can`: up to four that differ from the default, plus two that don't."""
    expected = case.expected_table()
    changed = [pair for pair, ok in expected.items() if ok != case.default]
    unchanged = [pair for pair, ok in expected.items() if ok == case.default]
    return changed[:2] + changed[-2:] + unchanged[:1] + unchanged[-1:]


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_can_agrees_with_truth_table(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_case(tmp_path, case)
    expected = case.expected_table()
    main = _cli_main()
    wrong = []
    for src, dst in dict.fromkeys(_spot_pairs(case)):
        capsys.readouterr()
        code = main(["can", src, dst, str(root), "--port", str(case.port), "--protocol", case.protocol,
                     "--format", "json"])
        out = capsys.readouterr().out
        assert code in (0, 1), f"netverify can {src} {dst} exited {code}; stdout:\n{out}"
        if (code == 0) != expected[(src, dst)]:
            wrong.append(f"  can {src} -> {dst} {case.port}/{case.protocol}: expected "
                         f"{'allowed (0)' if expected[(src, dst)] else 'denied (1)'}, exit code {code}\n{out}")
    assert not wrong, f"{case.id}:\n" + "\n".join(wrong)
