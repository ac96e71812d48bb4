"""Conformance: the network-policy-api suite (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy) replayed statically.

Upstream (kubernetes-sigs/network-policy-api ``conformance/``) is the truth table for the admin tiers:
24 ClusterNetworkPolicy tests with 301 ``PokeServer`` expectations on main (0eec1b0), 24
AdminNetworkPolicy/BaselineAdminNetworkPolicy tests with 289 at tag v0.1.7 (0638d39). They are
transcribed as data in npa_conformance_v1alpha2.py / npa_conformance_v1alpha1.py and replayed by
helpers_npa_conformance.states: each probe sees the manifests in force when upstream makes it.

What a static replay cannot reproduce is left out on purpose: probe mechanics (agnhost, timeouts,
retries), IPv6 clusters (the fixtures are IPv4: the ``/128`` branch of the prepended CIDR rule is
never taken), and the host-port range flags (the suite defaults are used).
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import npa_conformance_v1alpha1
import npa_conformance_v1alpha2
import pytest
import yaml
from helpers_npa_conformance import (
    ADMIN_KINDS,
    FIXTURES,
    Case,
    Poke,
    Step,
    find_pod,
    initial_documents,
    load_documents,
    namespace_of,
    probe_id,
    states,
)
from reference_oracle import tiered_allowed

from netverify.cli import main
from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.report.tiers_format import describe_one
from netverify.semantics.admin_compile import compile_admin_policies
from netverify.semantics.admin_tier import PriorityOverlap, pair_overlaps
from netverify.semantics.compile import compile_policies, ip_blocks
from netverify.semantics.endpoints import Endpoint, build_endpoints
from netverify.semantics.evaluate import PairVerdict, decide_pair, tiers_of
from netverify.semantics.netpol_tier import NetworkPolicySelection
from netverify.semantics.options import Semantics

SUITES: dict[str, tuple[Case, ...]] = {
    "v1alpha2": npa_conformance_v1alpha2.CASES,
    "v1alpha1": npa_conformance_v1alpha1.CASES,
}


def all_probes() -> list[Any]:
    return [pytest.param(version, case, step, poke, docs, id=probe_id(version, case, step, poke))
            for version, cases in SUITES.items() for case in cases
            for step, poke, docs in states(version, case)]


PROBES = all_probes()


@pytest.mark.parametrize(("version", "cases", "probes"), [("v1alpha2", 24, 301), ("v1alpha1", 24, 289)])
def test_the_transcription_has_every_upstream_test_and_probe(version: str, cases: int, probes: int) -> None:
    """Upstream counts: `grep -c PokeServer conformance/tests/*.go` and the ConformanceTest declarations."""
    suite = SUITES[version]
    assert len(suite) == cases
    assert len({c.short_name for c in suite}) == cases
    assert sum(len(c.pokes()) for c in suite) == probes


def test_every_fixture_parses_and_every_case_manifest_exists() -> None:
    for version, cases in SUITES.items():
        for path in sorted((FIXTURES / version).rglob("*.yaml")):
            assert load_documents(path), path
        for case in cases:
            for manifest in case.manifests:
                assert (FIXTURES / version / manifest).is_file(), manifest


def test_the_api_versions_match_the_suite() -> None:
    expected = {"v1alpha2": {"ClusterNetworkPolicy"}, "v1alpha1": {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy"}}
    for version, cases in SUITES.items():
        kinds = {d["kind"] for case in cases for d in initial_documents(version, case) if d["kind"] in ADMIN_KINDS}
        assert kinds == expected[version]
        versions = {d["apiVersion"] for case in cases for d in initial_documents(version, case) if d["kind"] in ADMIN_KINDS}
        assert versions == {f"policy.networking.k8s.io/{version}"}


@pytest.mark.parametrize(("version", "case", "step", "poke", "docs"), PROBES)
def test_every_probe_names_loaded_pods(version: str, case: Case, step: Step, poke: Poke, docs: list[Any]) -> None:
    client, server = find_pod(docs, poke.client), find_pod(docs, poke.server)
    assert not client["spec"].get("hostNetwork"), "upstream clients are never host-networked"
    assert server["status"]["podIP"]
    assert poke.protocol in ("tcp", "udp", "sctp") and 1 <= poke.port <= 65535


@pytest.mark.parametrize(("version", "case", "step", "poke", "docs"), PROBES)
def test_the_reference_oracle_agrees_with_upstream(version: str, case: Case, step: Step, poke: Poke,
                                                   docs: list[Any]) -> None:
    """The oracle is graded here before netverify is graded against it."""
    src, dst = find_pod(docs, poke.client), find_pod(docs, poke.server)
    assert tiered_allowed(src, dst, docs, poke.protocol.upper(), poke.port) is poke.connects


@pytest.mark.parametrize(("version", "case", "step", "poke", "docs"), PROBES)
def test_the_conformance_suite_does_not_tell_the_two_readings_of_np_selection_apart(
        version: str, case: Case, step: Step, poke: Poke, docs: list[Any]) -> None:
    """admin-tiers.md 2.5: its one NetworkPolicy has both policyTypes, so "selected in this direction"
    and "selected at all" agree on every probe; the unit tests of the oracle tell them apart."""
    src, dst = find_pod(docs, poke.client), find_pod(docs, poke.server)
    assert tiered_allowed(src, dst, docs, poke.protocol.upper(), poke.port, np_selection="any") is poke.connects


def netverify_pair(docs: list[Any], poke: Poke,
                   reading: NetworkPolicySelection) -> tuple[PairVerdict, tuple[PriorityOverlap, ...]]:
    """The probe through netverify itself: its loader (with the API server's validation), endpoints
    per pod, compiled NetworkPolicies and admin policies, the tiers folded by decide_pair, and the
    equal-priority overlaps."""
    result = load_objects((doc, SourceRef("conformance.yaml", i + 1)) for i, doc in enumerate(docs))
    assert result.errors == [], [d.render() for d in result.errors]
    cluster = result.cluster
    network_policies = compile_policies(cluster.policies, Semantics())
    admin = compile_admin_policies(cluster.admin_policies, cluster.nodes)
    endpoints = {e.id: e for e in build_endpoints(cluster, Semantics(), ip_blocks(network_policies), "pod")}

    def endpoint(ref: str) -> Endpoint:
        house, name = ref.split("/")
        return endpoints[f"{namespace_of(house)}/{name}"]

    tiers = tiers_of(network_policies, admin, reading)
    src, dst = endpoint(poke.client), endpoint(poke.server)
    return decide_pair(tiers, src, dst), pair_overlaps(tiers, src, dst)


@pytest.mark.parametrize(("version", "case", "step", "poke", "docs"), PROBES)
def test_netverify_agrees_with_upstream(version: str, case: Case, step: Step, poke: Poke, docs: list[Any]) -> None:
    pair, overlaps = netverify_pair(docs, poke, NetworkPolicySelection.PER_DIRECTION)
    protocol = poke.protocol.upper()
    walks = [describe_one(side.decisions, protocol, poke.port) for side in (pair.egress, pair.ingress)]
    assert pair.allowed.allows(protocol, poke.port) is poke.connects, walks
    assert not overlaps


def test_the_explanation_walks_the_tiers_in_order() -> None:
    """CNPAdminTierIntegration after the ingress rule became Pass: the admin tier passes, the
    NetworkPolicy admits (upstream L81-88)."""
    case = next(c for c in SUITES["v1alpha2"] if c.short_name == "CNPAdminTierIntegration")
    _, poke, docs = next((s, p, d) for s, p, d in states("v1alpha2", case) if p.line == 88)
    pair, _ = netverify_pair(docs, poke, NetworkPolicySelection.PER_DIRECTION)
    assert describe_one(pair.ingress.decisions, "TCP", 80) == (
        "[Admin] pass (pass-example deny-all-ingress-from-slytherin) -> [NetworkPolicy] allow "
        "(network-policy-conformance-gryffindor/allow-gress-from-to-slytherin-to-gryffindor ingress[0])")
    assert describe_one(pair.egress.decisions, "TCP", 80) == \
        "[Admin] no match -> [NetworkPolicy] no match -> [Baseline] no match -> default allow"


_WRITTEN: dict[int, str] = {}


def manifest_file(tmp_path_factory: pytest.TempPathFactory, docs: list[Any]) -> str:
    """The documents in force, as one manifest file (written once per state)."""
    if id(docs) not in _WRITTEN:
        path = tmp_path_factory.mktemp("npa") / "cluster.yaml"
        path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
        _WRITTEN[id(docs)] = str(path)
    return _WRITTEN[id(docs)]


@pytest.mark.parametrize(("version", "case", "step", "poke", "docs"), PROBES)
def test_netverify_can_answers_every_probe_as_upstream(version: str, case: Case, step: Step, poke: Poke,
                                                       docs: list[Any], tmp_path_factory: pytest.TempPathFactory,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`netverify can CLIENT SERVER --port N --protocol P --by pod`: exit 0 when upstream expects the
    connection to succeed, 1 when it expects it to fail."""
    client, server = (f"{namespace_of(r.split('/')[0])}/{r.split('/')[1]}" for r in (poke.client, poke.server))
    code = main(["can", client, server, manifest_file(tmp_path_factory, docs), "--by", "pod",
                 "--port", str(poke.port), "--protocol", poke.protocol.upper()])
    out = capsys.readouterr().out
    assert code == (0 if poke.connects else 1), out


_MATRICES: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}


def matrix_pairs(path: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """`netverify matrix FILE --by pod --format json`, once per state: (src, dst) -> allowed entries."""
    if path not in _MATRICES:
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(io.StringIO()):
            assert main(["matrix", path, "--by", "pod", "--format", "json"]) == 0
        data = json.loads(out.getvalue())
        _MATRICES[path] = {(c["src"], c["dst"]): c["allowed"] for c in data["connections"]}
    return _MATRICES[path]


@pytest.mark.parametrize(("version", "case", "step", "poke", "docs"), PROBES)
def test_netverify_matrix_answers_every_probe_as_upstream(version: str, case: Case, step: Step, poke: Poke,
                                                          docs: list[Any],
                                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same probes read from `netverify matrix --format json`: the graph engine folds the tiers
    over classes of pods, and each probe's pair carries the probed port exactly when upstream
    expects the connection to succeed."""
    client, server = (f"{namespace_of(r.split('/')[0])}/{r.split('/')[1]}" for r in (poke.client, poke.server))
    allowed = matrix_pairs(manifest_file(tmp_path_factory, docs)).get((client, server), [])
    connects = any(e["protocol"] == poke.protocol.upper() and any(lo <= poke.port <= hi for lo, hi in e["ports"])
                   for e in allowed)
    assert connects is poke.connects, (client, server, allowed)
