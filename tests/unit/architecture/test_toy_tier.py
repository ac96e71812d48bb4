"""A policy kind written only in this test flows through can, the graph (matrix) and equiv/contains
with no edit to engines/ or queries/.

The toy kind, `QuarantinePolicy` (a custom resource of a made-up API group): while one is loaded,
pods labelled `quarantine=true` may send nothing (a first-match tier ahead of every other, one
Deny rule per policy, every peer, every port). It is written as docs/architecture.md ("Adding a
policy kind") says a kind is: its "loader" (the loader keeps unknown kinds as `Cluster.skipped`;
the test reads its objects from there), its compiled rule (`ToyRule`, a `class_tiers.ClassRule`
whose reference is a `verdict.RuleId`), its tier (`QuarantineTier`: `decide` with
`verdict.first_match`, `observations`, and its class-level form `spec()`), and the two places a
kind is registered: `semantics/kinds.inventory_tiers` (patched here to add the tier) and
`model.POLICY_FIELDS` (the field equiv takes from each side). Everything else is the code as it is.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import netverify.queries.context as context
import netverify.queries.equivalence as equivalence
from netverify.loaders.manifests import load_objects
from netverify.model import POLICY_FIELDS, Cluster, Direction, LabelSelector, Severity, SkippedObject, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.diff import diff
from netverify.queries.equivalence import compare
from netverify.queries.exposure import OutsideReach
from netverify.queries.lint import LintOptions, lint
from netverify.queries.lint.findings import Finding
from netverify.queries.reach import pair_result
from netverify.report import write
from netverify.semantics.class_tiers import TierPolicy, TierSpec
from netverify.semantics.compile import Observations, PolicyRef, SelectorTerm
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import decide_pair
from netverify.semantics.kinds import inventory_tiers
from netverify.semantics.verdict import Action, Decision, RuleMatch, first_match
from netverify.sets import ConnectionSet

KIND = "QuarantinePolicy"
TIER = "Quarantine"
QUARANTINED = SelectorTerm(None, None, LabelSelector((("quarantine", "true"),)))


@dataclass(frozen=True)
class ToyRuleRef:
    """The toy rule's name in explanations (a `verdict.RuleId`)."""

    policy: str
    source: SourceRef
    direction: Direction = Direction.EGRESS
    index: int = 0
    tier_name: str = TIER
    priority: int | None = 0

    @property
    def label(self) -> str:
        return f"{self.policy} {self.direction.value}[0]"

    def to_json(self) -> dict[str, object]:
        return {"policy": self.policy, "tier": self.tier_name, "rule": self.index, "file": self.source.file,
                "line": self.source.line}


@dataclass(frozen=True)
class ToyRule:
    """Deny to every peer on every port (a `class_tiers.ClassRule`)."""

    ref: ToyRuleRef
    peers: tuple[Any, ...] = ()  # every peer
    named_ports: frozenset[str] = frozenset()
    port_selections: None = None  # every port and protocol

    def ports_for(self, dst: Endpoint) -> ConnectionSet:
        return ConnectionSet.all()

    def peer_miss(self, peer: Endpoint) -> str | None:
        return None


@dataclass(frozen=True)
class QuarantineTier:
    """The toy kind's tier: the egress of a quarantined pod (and, where `directions` says so, its
    ingress) is denied by the first policy."""

    policies: tuple[SkippedObject, ...]
    name: str = TIER
    directions: tuple[Direction, ...] = (Direction.EGRESS,)

    def _ref(self, p: SkippedObject) -> PolicyRef:
        return PolicyRef(f"{KIND}/{p.name}", p.source)

    def _rule(self, p: SkippedObject, direction: Direction = Direction.EGRESS) -> ToyRule:
        return ToyRule(ToyRuleRef(f"{KIND}/{p.name}", p.source, direction))

    def decide(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        if subject.labels_map.get("quarantine") != "true":
            return Decision.passing(self.name, f"{subject.id} is not quarantined")
        if direction not in self.directions:
            return Decision.passing(self.name, f"quarantine does not govern {direction.value}")
        return first_match(self.name, tuple(map(self._ref, self.policies)),
                           [RuleMatch(self._rule(p, direction).ref, ConnectionSet.all(), Action.DENY)
                            for p in self.policies])

    @property
    def observations(self) -> Observations:
        return Observations({"quarantine": {"true"}}, {}, (), frozenset())

    def _ruled(self, p: SkippedObject, direction: Direction) -> tuple[tuple[ToyRule, Action], ...] | None:
        return ((self._rule(p, direction), Action.DENY),) if direction in self.directions else None

    def spec(self) -> TierSpec:
        return TierSpec(self.name, False, tuple(
            TierPolicy(QUARANTINED, self._ruled(p, Direction.INGRESS), self._ruled(p, Direction.EGRESS), self._ref(p), 0)
            for p in self.policies))


@pytest.fixture
def toy_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The toy kind registered where a kind is: its tier in the inventory's tiers, its field in
    POLICY_FIELDS (equivalence reads the tuple it imported)."""

    _register(monkeypatch, (Direction.EGRESS,))
    yield


@pytest.fixture
def toy_kind_both_ways(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The toy kind registered, quarantining both directions (its ingress rules make it decide ingress)."""
    _register(monkeypatch, (Direction.EGRESS, Direction.INGRESS))
    yield


def _register(monkeypatch: pytest.MonkeyPatch, directions: tuple[Direction, ...]) -> None:
    def with_toy(cluster: Cluster, *args: Any) -> tuple[Any, ...]:
        tiers = inventory_tiers(cluster, *args)
        mine = tuple(s for s in cluster.skipped if s.kind == KIND)
        return (QuarantineTier(mine, directions=directions), *tiers) if mine else tiers

    monkeypatch.setattr(context, "inventory_tiers", with_toy)
    monkeypatch.setattr(equivalence, "POLICY_FIELDS", (*POLICY_FIELDS, "skipped"))


def _pod(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop", "labels": labels},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}]},
            "status": {"podIP": f"10.0.0.{len(name)}{ord(name[0]) % 10}"}}


INVENTORY = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    _pod("web", app="web"), _pod("api", app="api"), _pod("bad", app="web", quarantine="true"),
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "api", "namespace": "shop"},
     "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"],
              "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 8080}]}]}},
]
QUARANTINE = {"apiVersion": "toy.example/v1", "kind": KIND, "metadata": {"name": "lockdown", "namespace": "shop"}}


def _cluster(*docs: dict[str, Any]) -> Cluster:
    loaded = load_objects((d, SourceRef("toy.yaml", i + 1)) for i, d in enumerate(docs))
    assert not loaded.errors, [e.render() for e in loaded.errors]
    return loaded.cluster


def test_can_folds_the_toy_tier_first(toy_kind: None) -> None:
    analysis = Analysis(_cluster(*INVENTORY, QUARANTINE), by="pod")
    assert [t.name for t in analysis.tiers] == [TIER, "NetworkPolicy"] and analysis.tiered
    bad, web, api = (analysis.by_id[f"shop/{n}"] for n in ("bad", "web", "api"))
    denied = pair_result(analysis, bad, api, ConnectionSet.of("TCP", 8080))
    assert not denied.allowed
    assert [(d.tier, bool(d.deny)) for d in denied.verdict.egress.decisions] == [(TIER, True), ("NetworkPolicy", False)]
    assert denied.verdict.egress.matches[0].rule.label == f"{KIND}/lockdown egress[0]"
    assert pair_result(analysis, web, api, ConnectionSet.of("TCP", 8080)).allowed  # the NetworkPolicy admits it
    assert pair_result(analysis, api, bad, ConnectionSet.all()).allowed  # ingress of a quarantined pod is open


def test_the_graph_folds_the_toy_tier_as_the_evaluator_does(toy_kind: None) -> None:
    """matrix, blast-radius, paths: the graph's rows, pair by pair, against decide_pair."""
    analysis = Analysis(_cluster(*INVENTORY, QUARANTINE), by="pod")
    # the quarantine label tells `bad` apart from `web` (the tier's observations reach the class keys)
    assert analysis.graph.class_of["shop/bad"] != analysis.graph.class_of["shop/web"]
    for src in analysis.endpoints:
        for dst in analysis.endpoints:
            if src is not dst:
                want = decide_pair(analysis.tiers, src, dst).allowed
                assert analysis.graph.allowed(src, dst) == want, (src.id, dst.id)
    assert not analysis.graph.allowed(analysis.by_id["shop/bad"], analysis.by_id["shop/api"])


@pytest.mark.parametrize("engine", ["graph", "smt"])
def test_equiv_and_contains_see_the_toy_kind(toy_kind: None, engine: str) -> None:
    """A set with the quarantine and one without differ on bad -> api (SMT engine: a first-match tier);
    the one without contains the one with; each is equivalent to itself."""
    with_toy, without = _cluster(*INVENTORY, QUARANTINE), _cluster(*INVENTORY)
    differ = compare(with_toy, without, ("A", "B"), "equiv", engine=engine)
    assert differ.status == "fails" and differ.engine == "smt" and differ.distinction is not None
    d = differ.distinction
    assert (d.left.src.id, d.allowed_by) == ("shop/bad", "B") and not d.left.allowed
    assert d.left.verdict.egress.decisions[0].tier == TIER
    assert compare(without, with_toy, ("B", "A"), "contains", engine=engine).status == "holds"
    assert compare(with_toy, with_toy, ("A", "A"), "equiv", engine=engine).status == "holds"


def test_without_the_registration_the_kind_is_not_seen() -> None:
    """The control: the same inventory, the toy kind not registered, forms the NetworkPolicy tier alone."""
    analysis = Analysis(_cluster(*INVENTORY, QUARANTINE), by="pod")
    assert [t.name for t in analysis.tiers] == ["NetworkPolicy"]
    assert analysis.graph.allowed(analysis.by_id["shop/bad"], analysis.by_id["shop/api"])


def test_exposure_folds_the_toy_tier(toy_kind: None) -> None:
    """What a pod may send outside the cluster: nothing for the quarantined pod, everything for its twin
    without the label (no egress NetworkPolicy selects either: the toy tier alone tells them apart),
    whichever is asked first (endpoints alike share an answer: the toy tier's policies are part of alike)."""
    analysis = Analysis(_cluster(*INVENTORY, QUARANTINE), by="pod")
    for order in (("web", "bad"), ("bad", "web")):
        reach = OutsideReach.of(analysis)
        found = {n: reach.exposure(analysis.by_id[f"shop/{n}"], Direction.EGRESS) for n in order}
        sent = {n: ConnectionSet.union_all(r.connections for r in e.reaches) for n, e in found.items()}
        assert sent == {"bad": ConnectionSet.none(), "web": ConnectionSet.all()}, order
        assert found["bad"].isolated


def test_diff_names_the_toy_rule(toy_kind: None) -> None:
    """Adding the quarantine removes the quarantined pod's egress, to pods and to every outside address,
    and each change names the toy rule as its cause (the tiered diff, causes by tier, rule and priority)."""
    result = diff(Analysis(_cluster(*INVENTORY), by="pod"), Analysis(_cluster(*INVENTORY, QUARANTINE), by="pod"))
    assert result.changes and result.count("removed") + result.count("changed") == sum(c.size for c in result.changes)
    pairs = {(p.src, p.dst) for p in result.pairs()}
    assert {("shop/bad", "shop/api"), ("shop/bad", "shop/web")} <= pairs
    assert all(src == "shop/bad" for src, _ in pairs)
    for change in result.changes:
        assert not change.after
        (cause,) = [c.to_json() for c in change.causes if c.kind == "rule"]
        assert cause["policy"] == f"{KIND}/lockdown" and cause["tier"] == TIER and cause["change"] == "denies"
        assert "QuarantinePolicy/lockdown egress[0] (Deny, priority 0) now denies" in cause["message"]


COREDNS = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
           "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 53, "protocol": "UDP"},
                                                         {"containerPort": 53}]}]},
           "status": {"podIP": "10.0.9.1"}}


def _lint(*docs: dict[str, Any], select: str) -> list[Finding]:
    return lint(Analysis(_cluster(*docs), by="pod"), options=LintOptions(select=(select,))).findings


@pytest.mark.parametrize("dns", [[COREDNS], []], ids=["loaded-dns", "typical-dns"])
def test_lint_nv401_folds_the_toy_tier_and_names_it(toy_kind: None, dns: list[dict[str, Any]]) -> None:
    """The quarantined pod cannot reach cluster DNS (the loaded CoreDNS pod, or a typical one when none
    is loaded): no NetworkPolicy isolates its egress, the toy tier denies it, and NV401 says so, naming
    the tier and its policy; its twin without the label is not reported."""
    ns = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}] if dns else []
    (found,) = _lint(*INVENTORY, *ns, *dns, QUARANTINE, select="NV401")
    assert found.obj == "Pod shop/bad" and found.subjects == ("shop/bad",)
    assert found.peers == (("kube-system/coredns",) if dns else ())
    assert (f"has its egress decided by the Quarantine tier ({KIND}/lockdown) and cannot reach cluster DNS"
            in found.message), found.message
    assert "on 53/UDP and 53/TCP with every tier folded" in found.message
    assert "(a Quarantine Allow, or a NetworkPolicy rule where the Quarantine tier has a Pass)" in found.message
    assert not _lint(*INVENTORY, *ns, *dns, select="NV401")  # the control: without the quarantine, no finding


def test_lint_nv402_says_the_toy_tier_decides_the_ingress_no_networkpolicy_isolates(
        toy_kind_both_ways: None) -> None:
    """No NetworkPolicy isolates the quarantined pod's ingress, but the toy tier (with ingress rules)
    decides it: NV402 is info and names the tier, not "every pod and address may connect"; its rule
    has every peer, so addresses outside the cluster are the tier's to decide too. The web pod, which
    no tier governs, keeps the warning."""
    found = {f.obj: f for f in _lint(*INVENTORY, QUARANTINE, select="NV402")}
    assert set(found) == {"Pod shop/bad", "Pod shop/web"}
    bad, web = found["Pod shop/bad"], found["Pod shop/web"]
    assert bad.severity is Severity.INFO and web.severity is Severity.WARNING
    assert f"its ingress from pods is left to the Quarantine tier ({KIND}/lockdown)" in bad.message
    assert "addresses outside the cluster are decided by their rules too" in bad.message
    assert "every pod and address may connect" not in bad.message and "every pod and address" in web.message


def test_lint_nv402_egress_only_toy_tier_leaves_ingress_to_no_one(toy_kind: None) -> None:
    """The egress-only toy tier has no say in ingress: NV402 for the quarantined pod stays the warning."""
    found = {f.obj: f for f in _lint(*INVENTORY, QUARANTINE, select="NV402")}
    assert found["Pod shop/bad"].severity is Severity.WARNING


def test_lint_text_summary_does_not_say_every_source_may_connect_where_the_toy_tier_decides(
        toy_kind_both_ways: None) -> None:
    """The default profile's one-line NV402 summary says other tiers decide, not "every source may connect"."""
    result = lint(Analysis(_cluster(*INVENTORY, QUARANTINE), by="pod"),
                  options=LintOptions(select=("NV402",), profile="default"))
    out = io.StringIO()
    write(result, "text", out, color=False, width=400)
    (line,) = [line for line in out.getvalue().splitlines() if "NV402" in line]
    assert "where other tiers' policies apply, they decide ingress from pods" in line, line
    assert "every source may connect" not in line
