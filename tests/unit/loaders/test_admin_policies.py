"""Loading AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy and Node manifests,
and rejecting what the API server (CRD schema and CEL rules) would reject, at file:line with a hint."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from netverify.cli import main
from netverify.loaders.manifests import load_paths
from netverify.model import AdminAction, AdminPort, AdminTier, PeerForm, SubjectForm

ROOT = Path(__file__).resolve().parents[3]
NPA = ROOT / "fixtures" / "conformance" / "network-policy-api"
CNP_HEAD = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n"
ANP_HEAD = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
BANP_HEAD = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\n"


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_clusternetworkpolicies_of_the_conformance_suite_load_with_tiers_priorities_and_rules() -> None:
    cluster = load_paths([str(NPA / "v1alpha2" / "admin_tier" / "standard-priority-field.yaml")]).cluster
    by_name = {p.name: p for p in cluster.admin_policies}
    assert set(by_name) == {"priority-50-example", "old-priority-60-new-priority-40-example", "default"}
    deny = by_name["priority-50-example"]
    assert (deny.kind, deny.tier, deny.priority) == ("ClusterNetworkPolicy", AdminTier.ADMIN, 50)
    assert deny.subject.form is SubjectForm.PODS
    assert dict(deny.subject.namespace_selector.match_labels) == {"conformance-house": "gryffindor"}
    rule = deny.ingress[0]
    assert (rule.name, rule.action, rule.ports) == ("deny-all-ingress-from-slytherin", AdminAction.DENY, None)
    assert rule.peers[0].form is PeerForm.PODS
    baseline = by_name["default"]
    assert (baseline.tier, baseline.priority, baseline.egress[0].action) == (AdminTier.BASELINE, 10, AdminAction.ACCEPT)
    assert rule.source.file.endswith("standard-priority-field.yaml") and rule.source.line > 0


def test_v1alpha1_kinds_load_with_allow_read_as_accept_and_ports_as_ranges() -> None:
    anp = load_paths([str(NPA / "v1alpha1" / "admin_network_policy" / "standard-egress-tcp-rules.yaml")])
    policy = anp.cluster.admin_policies[0]
    assert (policy.kind, policy.tier, policy.priority) == ("AdminNetworkPolicy", AdminTier.ADMIN, 6)
    assert policy.egress[0].action is AdminAction.ACCEPT and policy.egress[0].action_as_written == "Allow"
    assert policy.egress[3].ports == (AdminPort("TCP", 80, 80, source=policy.egress[3].ports[0].source),)
    banp = load_paths([str(NPA / "v1alpha1" / "baseline_admin_network_policy" / "experimental-egress-selector-rules.yaml")])
    baseline = banp.cluster.admin_policies[0]
    assert (baseline.tier, baseline.priority) == (AdminTier.BASELINE, None)
    assert baseline.egress[0].peers[0].form is PeerForm.NODES
    assert (baseline.egress[0].ports[0].start, baseline.egress[0].ports[0].end) == (36363, 36364)


def test_protocols_and_named_ports_of_v1alpha2() -> None:
    cluster = load_paths([str(NPA / "v1alpha2" / "admin_tier" / "standard-egress-sctp-rules.yaml")]).cluster
    ports = [p for rule in cluster.admin_policies[0].egress if rule.ports for p in rule.ports]
    assert {p.protocol for p in ports} == {"SCTP"}


def test_nodes_load_with_labels_and_the_addresses_nodes_peers_match() -> None:
    cluster = load_paths([str(NPA / "v1alpha2" / "topology.yaml")]).cluster
    nodes = {n.name: n for n in cluster.nodes}
    assert set(nodes) == {"kind-control-plane", "kind-worker", "kind-worker2"}
    assert nodes["kind-worker"].ips == ("172.18.0.3",)
    assert ("kubernetes.io/os", "linux") in nodes["kind-worker"].labels
    assert nodes["kind-worker"].pod_cidrs == ("10.244.1.0/24",)


def test_every_conformance_fixture_loads_without_error() -> None:
    for version in ("v1alpha1", "v1alpha2"):
        for path in sorted((NPA / version).rglob("*.yaml")):
            result = load_paths([str(path)])
            assert result.errors == [], [d.render() for d in result.errors]


def test_loading_admin_policies_warns_of_nothing_itself(tmp_path: Path) -> None:
    """Admin policies are part of every answer: loading them is no reason to warn."""
    path = str(NPA / "v1alpha2" / "admin_tier" / "standard-priority-field.yaml")
    assert load_paths([path]).warnings == []


CNP_OK = textwrap.dedent("""\
    metadata:
      name: guard
    spec:
      tier: Admin
      priority: 10
      subject:
        namespaces: {}
      egress:
      - action: Deny
        to:
        - networks: ["10.0.0.0/8"]
""")

# (case, manifest, the field path the error names, the line it points at)
INVALID = [
    ("priority above 1000", CNP_HEAD + CNP_OK.replace("priority: 10", "priority: 1001"), "spec.priority", 7),
    ("priority missing", CNP_HEAD + CNP_OK.replace("  priority: 10\n", ""), "spec.priority", 0),
    ("tier unknown", CNP_HEAD + CNP_OK.replace("tier: Admin", "tier: Cluster"), "spec.tier", 6),
    ("subject with two forms", CNP_HEAD + CNP_OK.replace("namespaces: {}", "namespaces: {}\n    pods: {podSelector: {}}"),
     "spec.subject", 8),
    ("subject empty", CNP_HEAD + CNP_OK.replace("namespaces: {}", "{}").replace("subject:\n    {}", "subject: {}"),
     "spec.subject", 8),
    ("pods subject without podSelector", CNP_HEAD + CNP_OK.replace("namespaces: {}", "pods: {namespaceSelector: {}}"),
     "spec.subject.pods.podSelector", 9),
    ("v1alpha1 action spelling", CNP_HEAD + CNP_OK.replace("action: Deny", "action: Allow"), "spec.egress[0].action", 11),
    ("to missing", CNP_HEAD + CNP_OK.replace("    to:\n    - networks: [\"10.0.0.0/8\"]\n", ""), "spec.egress[0].to", 0),
    ("peer with two forms", CNP_HEAD + CNP_OK.replace('- networks: ["10.0.0.0/8"]', '- networks: ["10.0.0.0/8"]\n      namespaces: {}'),
     "spec.egress[0].to[0]", 13),
    ("bad CIDR", CNP_HEAD + CNP_OK.replace("10.0.0.0/8", "10.0.0.0"), "spec.egress[0].to[0].networks[0]", 13),
    ("duplicate CIDR", CNP_HEAD + CNP_OK.replace('["10.0.0.0/8"]', '["10.0.0.0/8", "10.0.0.0/8"]'),
     "spec.egress[0].to[0].networks[1]", 13),
    ("networks on ingress", CNP_HEAD + CNP_OK.replace("egress:", "ingress:").replace("to:", "from:"),
     "spec.ingress[0].from[0].networks", 13),
    ("range start not below end", CNP_HEAD + CNP_OK + "    protocols:\n    - tcp: {destinationPort: {range: {start: 90, end: 80}}}\n",
     "spec.egress[0].protocols[0].tcp.destinationPort.range", 15),
    ("tcp without destinationPort", CNP_HEAD + CNP_OK + "    protocols:\n    - tcp: {}\n",
     "spec.egress[0].protocols[0].tcp.destinationPort", 15),
    ("protocol with two forms", CNP_HEAD + CNP_OK + "    protocols:\n    - {tcp: {destinationPort: {number: 1}}, udp: {destinationPort: {number: 1}}}\n",
     "spec.egress[0].protocols[0]", 15),
    ("named port with nodes", CNP_HEAD + CNP_OK.replace('networks: ["10.0.0.0/8"]', "nodes: {}") + "    protocols:\n    - destinationNamedPort: web\n",
     "spec.egress[0]", 11),
    ("more than 25 peers", CNP_HEAD + CNP_OK.replace('- networks: ["10.0.0.0/8"]', "\n    ".join(['- namespaces: {}'] * 26)),
     "spec.egress[0].to", 12),
    ("unknown field", CNP_HEAD + CNP_OK.replace("priority: 10", "priority: 10\n  prority: 11"), "spec.prority", 8),
    ("domain name", CNP_HEAD + CNP_OK.replace('networks: ["10.0.0.0/8"]', 'domainNames: ["*example.com"]'),
     "spec.egress[0].to[0].domainNames[0]", 13),
    ("rule name over 100", CNP_HEAD + CNP_OK.replace("- action: Deny", "- action: Deny\n    name: " + "x" * 101),
     "spec.egress[0].name", 12),
    ("ANP v1alpha2 spelling", ANP_HEAD + CNP_OK.replace("  tier: Admin\n", "").replace("action: Deny", "action: Accept"),
     "spec.egress[0].action", 10),
    ("ANP tier field", ANP_HEAD + CNP_OK, "spec.tier", 6),
    ("ANP pods peer needs a namespaceSelector", ANP_HEAD + CNP_OK.replace("  tier: Admin\n", "").replace('networks: ["10.0.0.0/8"]', "pods: {podSelector: {}}"),
     "spec.egress[0].to[0].pods.namespaceSelector", 12),
    ("ANP port with two forms", ANP_HEAD + CNP_OK.replace("  tier: Admin\n", "") + "    ports:\n    - {portNumber: {port: 80}, namedPort: web}\n",
     "spec.egress[0].ports[0]", 14),
    ("BANP named other than default", BANP_HEAD + CNP_OK.replace("  tier: Admin\n  priority: 10\n", ""), "metadata.name", 4),
    ("BANP Pass", BANP_HEAD.replace("kind", "metadata:\n  name: default\nkind") + CNP_OK.replace("metadata:\n  name: guard\n", "").replace("  tier: Admin\n  priority: 10\n", "").replace("action: Deny", "action: Pass"),
     "spec.egress[0].action", 0),
    ("BANP priority", BANP_HEAD + CNP_OK.replace("name: guard", "name: default").replace("  tier: Admin\n", ""), "spec.priority", 6),
    ("BANP domainNames", BANP_HEAD + CNP_OK.replace("name: guard", "name: default").replace("  tier: Admin\n  priority: 10\n", "").replace('networks: ["10.0.0.0/8"]', 'domainNames: ["example.com"]'),
     "spec.egress[0].to[0].domainNames", 0),
]


@pytest.mark.parametrize(("manifest", "path", "line"), [pytest.param(m, p, ln, id=c) for c, m, p, ln in INVALID])
def test_what_the_api_server_rejects_is_an_error_at_the_field(tmp_path: Path, manifest: str, path: str,
                                                               line: int) -> None:
    result = load_paths([write(tmp_path, manifest)])
    assert result.cluster.admin_policies == ()
    errors = [d for d in result.errors if path in d.message]
    assert errors, [d.render() for d in result.errors]
    assert all(d.hint for d in result.errors)
    if line:
        assert errors[0].source.line == line, errors[0].render()


def test_a_valid_policy_of_each_form_loads(tmp_path: Path) -> None:
    result = load_paths([write(tmp_path, CNP_HEAD + CNP_OK)])
    assert result.errors == [] and len(result.cluster.admin_policies) == 1


def test_v1alpha1_range_start_not_below_end_is_accepted_with_a_warning(tmp_path: Path) -> None:
    manifest = (ANP_HEAD + CNP_OK.replace("  tier: Admin\n", "")
                + "    ports:\n    - portRange: {start: 90, end: 80}\n")
    result = load_paths([write(tmp_path, manifest)])
    assert result.errors == []
    port = result.cluster.admin_policies[0].egress[0].ports[0]
    assert (port.protocol, port.start, port.end) == ("TCP", 90, 80)
    assert any("empty" in w.message for w in result.warnings)


def test_named_port_with_networks_is_accepted_by_the_standard_crd_with_a_warning(tmp_path: Path) -> None:
    result = load_paths([write(tmp_path, CNP_HEAD + CNP_OK + "    protocols:\n    - destinationNamedPort: web\n")])
    assert result.errors == []
    assert any("never matches a `networks` destination" in w.message for w in result.warnings)


def test_an_invalid_admin_policy_exits_2_with_file_line_and_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, CNP_HEAD + CNP_OK.replace("priority: 10", "priority: 5000"))
    monkeypatch.chdir(tmp_path)
    code = main(["matrix", path])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:7" in err and "spec.priority" in err and "hint:" in err
    assert "Traceback" not in err
