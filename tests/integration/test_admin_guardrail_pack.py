"""The admin guardrail pack (policies/admin-guardrails.yaml) over tiered policies.

Its verdicts are first established by the reference oracle (tests/reference_oracle.py,
`tiered_allowed`: an independent reading of the tiers over the raw manifests), assertion by
assertion, on every loaded pair and on probe ports: the pack holds on
fixtures/packs/admin-guardrails/holds and each assertion meant to break breaks on `fails`. Then
`netverify check` must give the same verdicts, with a counterexample the oracle confirms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from reference_oracle import tiered_allowed

from netverify.cli import main
from netverify.loaders.manifests import load_paths
from netverify.queries.assertions import Assertion, load_assertions
from netverify.queries.context import Analysis
from netverify.queries.prove import ProveOptions, build_side
from netverify.semantics.options import Semantics
from netverify.semantics.ports import PortSelection

ROOT = Path(__file__).resolve().parents[2]
PACK = "policies/admin-guardrails.yaml"
FIXTURE = ROOT / "fixtures" / "packs" / "admin-guardrails"
BREAKS = {  # assertion -> the (src, dst, protocol/port) the oracle finds on `fails`
    "admin-tier-keeps-tenants-apart": ("globex/app", "acme/app", "TCP/8080"),
    "kube-system-only-through-the-admin-allow-list": None,
    "cluster-dns-on-dns-ports-only": None,  # the guard passes everything on to the (absent) NetworkPolicies
    "baseline-default-deny": None,
}


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def raw_docs(fixture: Path) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(fixture.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def probes(term: PortSelection | None, dst: dict[str, Any]) -> list[tuple[str, int]]:
    """Ports to try for one port term: its bounds, and the destination's container ports inside it."""
    served = [(cp.get("protocol", "TCP"), cp["containerPort"]) for c in dst["spec"]["containers"]
              for cp in c.get("ports") or []]
    if term is None:
        return [*served, ("TCP", 1), ("UDP", 53), ("SCTP", 9)]
    protocols = (term.protocol,) if term.protocol else ("TCP", "UDP", "SCTP")
    out = [(p, port) for p in protocols for port in (term.lo, term.hi)]
    return out + [(p, port) for p, port in served if p in protocols and term.lo <= port <= term.hi]


def oracle_verdict(fixture: Path, assertion: Assertion) -> tuple[bool, tuple[str, str, str] | None]:
    """(holds, a breaking connection) by the oracle, over the pods the assertion's sides select."""
    analysis = Analysis(load_paths([str(fixture)]).cluster, Semantics(), "pod")
    src_side, _ = build_side(analysis, assertion.src, "inventory", ProveOptions())
    dst_side, _ = build_side(analysis, assertion.dst, "inventory", ProveOptions())
    docs = raw_docs(fixture)
    pods = {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d for d in docs if d["kind"] == "Pod"}
    for s in src_side.members:
        for d in dst_side.members:
            if s.id == d.id or (assertion.relation == "different-namespace" and s.namespace == d.namespace):
                continue
            for term in assertion.ports or (None,):
                for protocol, port in probes(term, pods[d.id]):
                    allowed = tiered_allowed(pods[s.id], pods[d.id], docs, protocol, port)
                    if allowed is (assertion.expect == "deny"):
                        return False, (s.id, d.id, f"{protocol}/{port}")
    return True, None


def pack() -> list[Assertion]:
    return load_assertions([PACK])


def test_the_oracle_finds_the_pack_holding_on_the_guarded_cluster() -> None:
    for assertion in pack():
        holds, witness = oracle_verdict(FIXTURE / "holds", assertion)
        assert holds, (assertion.name, witness)


def test_the_oracle_finds_each_hole_of_the_unguarded_cluster() -> None:
    verdicts = {a.name: oracle_verdict(FIXTURE / "fails", a) for a in pack()}
    assert {name for name, (holds, _) in verdicts.items() if not holds} == set(BREAKS)
    for name, expected in BREAKS.items():
        if expected is not None:
            assert verdicts[name][1] == expected


def test_the_pack_is_about_the_loaded_pods_and_every_tier() -> None:
    assertions = pack()
    assert len(assertions) == 5 and {a.scope for a in assertions} == {"inventory"}


def check(capsys: pytest.CaptureFixture[str], fixture: Path) -> tuple[int, dict[str, Any]]:
    code = main(["check", str(fixture), "--assertions", PACK, "--by", "pod", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)


def test_check_proves_the_pack_on_the_guarded_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = check(capsys, FIXTURE / "holds")
    assert code == 0, [a["name"] for a in data["assertions"] if a["status"] != "holds"]


def test_check_refutes_each_hole_with_a_counterexample_the_oracle_confirms(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, data = check(capsys, FIXTURE / "fails")
    assert code == 1
    failing = {a["name"]: a for a in data["assertions"] if a["status"] == "fails"}
    assert set(failing) == set(BREAKS)
    docs = raw_docs(FIXTURE / "fails")
    pods = {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d for d in docs if d["kind"] == "Pod"}
    for a in failing.values():
        cx = a["result"]["counterexample"]
        src, dst = pods[cx["src"]["id"]], pods[cx["dst"]["id"]]
        assert tiered_allowed(src, dst, docs, cx["protocol"], cx["port"]) is cx["allowed"], a["name"]
