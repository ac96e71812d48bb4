"""On generated clusters, the bitset checks agree with a direct evaluation of every endpoint and peer.

The checks work on endpoint classes and selector bitsets; here each verdict is recomputed the slow
way (every endpoint against every policy with the selector matchers, every pair with the graph's
answer) and the two must list the same objects.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.lint import LintOptions, LintResult, lint
from netverify.semantics.compile import SelectorPeer
from netverify.semantics.endpoints import Endpoint

SCRIPT = Path(__file__).resolve().parents[4] / "benchmarks" / "gen_cluster.py"


@pytest.fixture(scope="module", params=[(300, 40, 1), (400, 60, 7)], ids=["300-pods", "400-pods"])
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, LintResult]:
    pods, policies, seed = request.param
    out = tmp_path_factory.mktemp("gen")
    subprocess.run([sys.executable, str(SCRIPT), "--pods", str(pods), "--policies", str(policies), "--seed",
                    str(seed), "--out", str(out)], check=True, capture_output=True)
    loaded = load_paths([str(out)])
    assert not loaded.errors
    analysis = Analysis(loaded.cluster)
    return analysis, lint(analysis, (), LintOptions(ignore=("NV6",)))


def _pods(analysis: Analysis) -> list[Endpoint]:
    return [e for e in analysis.endpoints if not e.external]


def _reported(result: LintResult, code: str) -> set[str]:
    return {f.message.split(" ")[0] if code in ("NV401", "NV402") else f.obj for f in result.findings
            if f.code == code}


def test_unisolated_endpoints_are_exactly_those_no_ingress_policy_selects(
        generated: tuple[Analysis, LintResult]) -> None:
    analysis, result = generated
    expected = {e.id for e in _pods(analysis) if not e.host_network
                and not any(cp.affects(Direction.INGRESS) and cp.selects(e) for cp in analysis.policies)}
    assert _reported(result, "NV402") == expected


def test_policies_selecting_nothing_are_exactly_those_that_select_no_endpoint(
        generated: tuple[Analysis, LintResult]) -> None:
    analysis, result = generated
    expected = {f"NetworkPolicy {cp.policy.id}" for cp in analysis.policies
                if not any(cp.selects(e) for e in _pods(analysis))}
    assert _reported(result, "NV101") == expected


def test_empty_peers_are_exactly_those_that_match_no_endpoint(generated: tuple[Analysis, LintResult]) -> None:
    analysis, result = generated
    empty = [cp.policy.id for cp in analysis.policies for rule in cp.ingress + cp.egress for peer in rule.peers
             if isinstance(peer, SelectorPeer) and not any(peer.matches(e) for e in _pods(analysis))]
    assert sorted(f.obj.split(" ")[1] for f in result.findings if f.code == "NV102") == sorted(empty)


def test_dns_findings_are_exactly_the_egress_isolated_endpoints_that_cannot_reach_coredns(
        generated: tuple[Analysis, LintResult]) -> None:
    analysis, result = generated
    dns = [e for e in _pods(analysis) if e.namespace == "kube-system" and e.labels_map.get("k8s-app") == "kube-dns"]
    assert dns, "the generator always writes CoreDNS"
    expected = set()
    for e in _pods(analysis):
        if e.host_network or e in dns or not any(cp.affects(Direction.EGRESS) and cp.selects(e) for cp in analysis.policies):
            continue
        allowed = [analysis.graph.allowed(e, d) for d in dns]
        if not (any(a.allows("UDP", 53) for a in allowed) and any(a.allows("TCP", 53) for a in allowed)):
            expected.add(e.id)
    assert _reported(result, "NV401") == expected
