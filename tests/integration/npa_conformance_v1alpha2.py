"""The network-policy-api conformance tests for ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2),
transcribed as data.

Source: kubernetes-sigs/network-policy-api@0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159 (main, after v0.2.0),
conformance/tests/*.go (each `Case` names its file; each `Step` and `Poke` carries the upstream line of its ``t.Run`` or
``PokeServer`` call). The expectation of each probe is upstream's ``shouldConnect`` argument. Host
ports written ``s.HostNetworkPorts[i]`` upstream are the suite's defaults (see topology.yaml).
The manifests are fixtures/conformance/network-policy-api/v1alpha2/ (topology.yaml plus the case's own).
"""

from __future__ import annotations

from helpers_npa_conformance import (
    Case,
    DeleteNetworkPolicy,
    LabelNamespace,
    Poke,
    PrependNetworksRule,
    SetPriority,
    SetRuleField,
    Step,
    Swap,
)

CASES: tuple[Case, ...] = (
    Case(
        "CNPAdminTierEgressNamedPort", "admin-network-policy-experimental-egress-rules.go",
        ("admin_tier/standard-egress-tcp-rules.yaml",), ("ClusterNetworkPolicy", "ClusterNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-egress' policy for named port", 44, (
            SetRuleField("egress-tcp", "egress", 5, "protocols", [{"destinationNamedPort": "web"}]),  # L50-58
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 80, True, 63),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 8080, False, 67),
        )),
    )),
    Case(
        "CNPAdminTierEgressNodePeers", "admin-network-policy-experimental-egress-rules.go",
        ("admin_tier/experimental-egress-selector-rules.yaml",), ("ClusterNetworkPolicy", "ClusterNetworkPolicyEgressNodePeers",), (
        Step("Should support an 'allow-egress' rule policy for egress-node-peer", 85, (
            Poke("gryffindor/harry-potter-1", "tcp", "forbidden-forrest/centaur-1", 34345, True, 89),
        )),
        Step("Should support a 'pass-egress' rule policy for egress-node-peer", 92, (
            Poke("gryffindor/harry-potter-1", "udp", "forbidden-forrest/centaur-1", 34347, True, 96),
        )),
        Step("Should support a 'deny-egress' rule policy for egress-node-peer", 99, (
            Poke("gryffindor/harry-potter-1", "tcp", "forbidden-forrest/centaur-1", 34346, False, 102),
            Poke("gryffindor/harry-potter-1", "udp", "forbidden-forrest/centaur-1", 34349, False, 104),
            Poke("gryffindor/harry-potter-1", "sctp", "forbidden-forrest/centaur-1", 34351, False, 106),
        )),
    )),
    Case(
        "CNPAdminTierIngressNamedPort", "admin-network-policy-experimental-ingress-rules.go",
        ("admin_tier/standard-ingress-udp-rules.yaml",), ("ClusterNetworkPolicy", "ClusterNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-ingress' policy for named port", 37, (
            SetRuleField("ingress-udp", "ingress", 5, "protocols", [{"destinationNamedPort": "dns"}]),  # L43-51
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 53, True, 56),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 60),
        )),
    )),
    Case(
        "CNPAdminTierEgressInlineCIDRPeers", "admin-network-policy-standard-egress-inline-cidr-rules.go",
        ("admin_tier/standard-egress-inline-cidr-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support a 'deny-egress' rule policy for egress-cidr-peer", 44, (
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, False, 50),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, False, 52),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 54),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, False, 60),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, False, 62),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, False, 64),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, True, 70),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, True, 72),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, True, 74),
            LabelNamespace("slytherin", {"conformance-house": "denied-namespace-label"}),  # L79-81
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, False, 84),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, False, 86),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, False, 88),
            LabelNamespace("slytherin", {"conformance-house": "slytherin"}),  # L93-95
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, True, 98),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, True, 100),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, True, 102),
        )),
        Step("Should support an 'allow-egress' rule policy for egress-cidr-peer", 112, (
            PrependNetworksRule("inline-cidr-as-peers-example", "allow-egress-to-specific-podIPs", "Accept", ("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-0")),  # L138
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 143),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 145),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 147),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, True, 149),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 151),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, True, 153),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 163),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 165),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 167),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 169),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 171),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9003, False, 173),
        )),
    )),
    Case(
        "CNPAdminTierEgressSCTP", "admin-network-policy-standard-egress-sctp-rules.go",
        ("admin_tier/standard-egress-sctp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for SCTP protocol; ensure rule ordering is respected", 41, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-0", 9003, True, 48),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 51),
        )),
        Step("Should support an 'allow-egress' policy for SCTP protocol at the specified port", 55, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 61),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 65),
        )),
        Step("Should support an 'deny-egress' policy for SCTP protocol; ensure rule ordering is respected", 69, (
            Swap("egress-sctp", "egress", 0, 1),  # L76-78
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-1", 9003, False, 83),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 86),
        )),
        Step("Should support a 'deny-egress' policy for SCTP protocol at the specified port", 90, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 96),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 100),
        )),
        Step("Should support an 'pass-egress' policy for SCTP protocol; ensure rule ordering is respected", 104, (
            Swap("egress-sctp", "egress", 0, 2),  # L111-113
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-1", 9003, True, 118),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9005, True, 121),
        )),
        Step("Should support a 'pass-egress' policy for SCTP protocol at the specified port", 125, (
            Swap("egress-sctp", "egress", 3, 4),  # L132-134
            Poke("ravenclaw/luna-lovegood-0", "sctp", "slytherin/draco-malfoy-0", 9003, True, 138),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 142),
        )),
    )),
    Case(
        "CNPAdminTierEgressTCP", "admin-network-policy-standard-egress-tcp-rules.go",
        ("admin_tier/standard-egress-tcp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected", 41, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 48),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 8080, True, 50),
        )),
        Step("Should support an 'allow-egress' policy for TCP protocol at the specified port", 54, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 60),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 64),
        )),
        Step("Should support an 'deny-egress' policy for TCP protocol; ensure rule ordering is respected", 68, (
            Swap("egress-tcp", "egress", 0, 1),  # L75-77
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 82),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 8080, False, 85),
        )),
        Step("Should support a 'deny-egress' policy for TCP protocol at the specified port", 89, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 95),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 99),
        )),
        Step("Should support an 'pass-egress' policy for TCP protocol; ensure rule ordering is respected", 103, (
            Swap("egress-tcp", "egress", 0, 2),  # L110-112
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 117),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 8080, True, 120),
        )),
        Step("Should support a 'pass-egress' policy for TCP protocol at the specified port", 124, (
            Swap("egress-tcp", "egress", 3, 4),  # L131-133
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 137),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 141),
        )),
    )),
    Case(
        "CNPAdminTierEgressUDP", "admin-network-policy-standard-egress-udp-rules.go",
        ("admin_tier/standard-egress-udp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for UDP protocol; ensure rule ordering is respected", 41, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-0", 53, True, 48),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-0", 5353, True, 51),
        )),
        Step("Should support an 'allow-egress' policy for UDP protocol at the specified port", 55, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 53, True, 61),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 5353, False, 65),
        )),
        Step("Should support an 'deny-egress' policy for UDP protocol; ensure rule ordering is respected", 69, (
            Swap("egress-udp", "egress", 0, 1),  # L76-78
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-1", 53, False, 83),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-1", 5353, False, 86),
        )),
        Step("Should support a 'deny-egress' policy for UDP protocol at the specified port", 90, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "slytherin/draco-malfoy-0", 5353, False, 96),
            Poke("hufflepuff/cedric-diggory-1", "udp", "slytherin/draco-malfoy-0", 53, True, 100),
        )),
        Step("Should support an 'pass-egress' policy for UDP protocol; ensure rule ordering is respected", 104, (
            Swap("egress-udp", "egress", 0, 2),  # L111-113
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-1", 5353, True, 118),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-1", 53, True, 121),
        )),
        Step("Should support a 'pass-egress' policy for UDP protocol at the specified port", 125, (
            Swap("egress-udp", "egress", 3, 4),  # L132-134
            Poke("hufflepuff/cedric-diggory-0", "udp", "slytherin/draco-malfoy-0", 5353, True, 138),
            Poke("hufflepuff/cedric-diggory-1", "udp", "slytherin/draco-malfoy-0", 53, True, 142),
        )),
    )),
    Case(
        "CNPAdminTierGress", "admin-network-policy-standard-gress-rules.go",
        ("admin_tier/standard-gress-rules-combined.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-gress' policy across different protocols", 41, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 50),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 52),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 54),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 63),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-0", 53, True, 65),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9003, True, 67),
        )),
        Step("Should support an 'allow-gress' policy across different protocols at the specified ports", 71, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 79),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 83),
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 5353, True, 87),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 91),
            Poke("gryffindor/harry-potter-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 95),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 99),
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 107),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 111),
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 5353, True, 115),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 53, False, 119),
            Poke("hufflepuff/cedric-diggory-0", "sctp", "gryffindor/harry-potter-1", 9003, True, 123),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 127),
        )),
        Step("Should support an 'deny-gress' policy across different protocols", 131, (
            Swap("gress-rules", "egress", 0, 1),  # L140-142
            Swap("gress-rules", "ingress", 0, 1),  # L143-145
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 150),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 152),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 154),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 163),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-1", 53, False, 165),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9003, False, 167),
        )),
        Step("Should support a 'deny-gress' policy across different protocols at the specified ports", 171, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 179),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 183),
            Poke("gryffindor/harry-potter-0", "udp", "slytherin/draco-malfoy-0", 53, False, 187),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 5353, True, 191),
            Poke("gryffindor/harry-potter-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 195),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 199),
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 207),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 211),
            Poke("slytherin/draco-malfoy-0", "udp", "gryffindor/harry-potter-0", 53, False, 215),
            Poke("slytherin/draco-malfoy-1", "udp", "gryffindor/harry-potter-0", 5353, True, 219),
            Poke("slytherin/draco-malfoy-0", "sctp", "gryffindor/harry-potter-0", 9003, False, 223),
            Poke("slytherin/draco-malfoy-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 227),
        )),
        Step("Should support an 'pass-gress' policy across different protocols", 231, (
            Swap("gress-rules", "egress", 0, 2),  # L240-242
            Swap("gress-rules", "ingress", 0, 2),  # L243-245
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 250),
            Poke("gryffindor/harry-potter-0", "udp", "ravenclaw/luna-lovegood-0", 5353, True, 255),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 260),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 269),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-0", 53, True, 272),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9003, True, 275),
        )),
        Step("Should support a 'pass-gress' policy across different protocols at the specified ports", 279, (
            Swap("gress-rules", "egress", 3, 4),  # L288-290
            Swap("gress-rules", "ingress", 3, 4),  # L291-293
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 297),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 301),
            Poke("gryffindor/harry-potter-0", "udp", "slytherin/draco-malfoy-0", 53, True, 305),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 5353, True, 309),
            Poke("gryffindor/harry-potter-0", "sctp", "slytherin/draco-malfoy-0", 9003, True, 313),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 317),
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 325),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 329),
            Poke("slytherin/draco-malfoy-0", "udp", "gryffindor/harry-potter-0", 53, True, 333),
            Poke("slytherin/draco-malfoy-1", "udp", "gryffindor/harry-potter-0", 5353, True, 337),
            Poke("slytherin/draco-malfoy-0", "sctp", "gryffindor/harry-potter-0", 9003, True, 341),
            Poke("slytherin/draco-malfoy-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 345),
        )),
    )),
    Case(
        "CNPAdminTierIngressSCTP", "admin-network-policy-standard-ingress-sctp-rules.go",
        ("admin_tier/standard-ingress-sctp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for SCTP protocol; ensure rule ordering is respected", 41, (
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 48),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 50),
        )),
        Step("Should support an 'allow-ingress' policy for SCTP protocol at the specified port", 54, (
            Poke("hufflepuff/cedric-diggory-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, True, 60),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 64),
        )),
        Step("Should support an 'deny-ingress' policy for SCTP protocol; ensure rule ordering is respected", 68, (
            Swap("ingress-sctp", "ingress", 0, 1),  # L75-77
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 82),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 85),
        )),
        Step("Should support a 'deny-ingress' policy for SCTP protocol at the specified port", 89, (
            Poke("slytherin/draco-malfoy-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 95),
            Poke("slytherin/draco-malfoy-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 99),
        )),
        Step("Should support an 'pass-ingress' policy for SCTP protocol; ensure rule ordering is respected", 103, (
            Swap("ingress-sctp", "ingress", 0, 2),  # L110-112
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, True, 117),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, True, 120),
        )),
        Step("Should support a 'pass-ingress' policy for SCTP protocol at the specified port", 124, (
            Swap("ingress-sctp", "ingress", 3, 4),  # L131-133
            Poke("slytherin/draco-malfoy-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 137),
            Poke("slytherin/draco-malfoy-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 141),
        )),
    )),
    Case(
        "CNPAdminTierIngressTCP", "admin-network-policy-standard-ingress-tcp-rules.go",
        ("admin_tier/standard-ingress-tcp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected", 41, (
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 48),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 50),
        )),
        Step("Should support an 'allow-ingress' policy for TCP protocol at the specified port", 54, (
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 60),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 64),
        )),
        Step("Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected", 68, (
            Swap("ingress-tcp", "ingress", 0, 1),  # L75-77
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 82),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 85),
        )),
        Step("Should support a 'deny-ingress' policy for TCP protocol at the specified port", 89, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 95),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 99),
        )),
        Step("Should support an 'pass-ingress' policy for TCP protocol; ensure rule ordering is respected", 103, (
            Swap("ingress-tcp", "ingress", 0, 2),  # L110-112
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 117),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 120),
        )),
        Step("Should support a 'pass-ingress' policy for TCP protocol at the specified port", 124, (
            Swap("ingress-tcp", "ingress", 3, 4),  # L131-133
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 137),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 141),
        )),
    )),
    Case(
        "CNPAdminTierIngressUDP", "admin-network-policy-standard-ingress-udp-rules.go",
        ("admin_tier/standard-ingress-udp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for UDP protocol; ensure rule ordering is respected", 42, (
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-0", 53, True, 49),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-0", 5353, True, 51),
        )),
        Step("Should support an 'allow-ingress' policy for UDP protocol at the specified port", 55, (
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 53, True, 61),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 65),
        )),
        Step("Should support an 'deny-ingress' policy for UDP protocol; ensure rule ordering is respected", 69, (
            Swap("ingress-udp", "ingress", 0, 1),  # L76-78
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-1", 53, False, 83),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 86),
        )),
        Step("Should support a 'deny-ingress' policy for UDP protocol at the specified port", 90, (
            Poke("slytherin/draco-malfoy-0", "udp", "hufflepuff/cedric-diggory-0", 5353, False, 96),
            Poke("slytherin/draco-malfoy-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 100),
        )),
        Step("Should support an 'pass-ingress' policy for UDP protocol; ensure rule ordering is respected", 104, (
            Swap("ingress-udp", "ingress", 0, 2),  # L111-113
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-1", 5353, True, 118),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-1", 53, True, 121),
        )),
        Step("Should support a 'pass-ingress' policy for UDP protocol at the specified port", 125, (
            Swap("ingress-udp", "ingress", 3, 4),  # L132-134
            Poke("slytherin/draco-malfoy-0", "udp", "hufflepuff/cedric-diggory-0", 5353, True, 138),
            Poke("slytherin/draco-malfoy-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 142),
        )),
    )),
    Case(
        "CNPAdminTierIntegration", "admin-network-policy-standard-integration.go",
        ("api_integration/standard-anp-np-banp.yaml",), ("ClusterNetworkPolicy",), (
        Step('Should Deny traffic from slytherin to gryffindor respecting admin CNP', 47, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 54),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, False, 57),
        )),
        Step('Should Deny traffic to slytherin from gryffindor respecting admin CNP', 61, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 68),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, False, 71),
        )),
        Step("Should support a 'pass-ingress' policy for admin CNP and respect the match for network policy", 75, (
            SetRuleField("pass-example", "ingress", 0, "action", "Pass"),  # L81
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 88),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 91),
        )),
        Step("Should support a 'pass-egress' policy for admin CNP and respect the match for network policy", 95, (
            SetRuleField("pass-example", "egress", 0, "action", "Pass"),  # L101
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 108),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 111),
        )),
        Step("Should support a 'pass-ingress' policy for admin CNP and respect the match for baseline cluster network policy", 115, (
            DeleteNetworkPolicy("gryffindor", "allow-gress-from-to-slytherin-to-gryffindor"),  # L126
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 133),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, False, 136),
        )),
        Step("Should support a 'pass-egress' policy for admin CNP and respect the match for baseline cluster network policy", 140, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 147),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, False, 150),
        )),
    )),
    Case(
        "CNPAdminTierPriorityField", "admin-network-policy-standard-priority.go",
        ("admin_tier/standard-priority-field.yaml",), ("ClusterNetworkPolicy",), (
        Step('Should Deny traffic from slytherin to gryffindor respecting admin CNP', 41, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 48),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, False, 51),
        )),
        Step('Should Deny traffic to slytherin from gryffindor respecting admin CNP', 55, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 62),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, False, 65),
        )),
        Step('Should respect admin CNP priority field; thus passing both ingress and egress traffic over to baseline CNP', 69, (
            SetPriority("old-priority-60-new-priority-40-example", 40),  # L74
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 81),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 84),
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 92),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 95),
        )),
    )),
    Case(
        "CNPBaselineTierEgressNamedPort", "baseline-admin-network-policy-experimental-egress-rules.go",
        ("baseline_tier/standard-egress-udp-rules.yaml",), ("ClusterNetworkPolicy", "ClusterNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-egress' policy for named port", 44, (
            SetRuleField("default", "egress", 3, "protocols", [{"destinationNamedPort": "dns"}]),  # L50-58
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 53, True, 63),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 5353, False, 67),
        )),
    )),
    Case(
        "CNPBaselineTierEgressNodePeers", "baseline-admin-network-policy-experimental-egress-rules.go",
        ("baseline_tier/experimental-egress-selector-rules.yaml",), ("ClusterNetworkPolicy", "ClusterNetworkPolicyEgressNodePeers",), (
        Step("Should support an 'allow-egress' rule policy for egress-node-peer", 84, (
            Poke("gryffindor/harry-potter-0", "tcp", "forbidden-forrest/centaur-1", 34345, True, 88),
            Poke("gryffindor/harry-potter-1", "tcp", "forbidden-forrest/centaur-1", 34346, True, 90),
        )),
        Step("Should support a 'deny-egress' rule policy for egress-node-peer", 94, (
            Poke("gryffindor/harry-potter-1", "udp", "forbidden-forrest/centaur-1", 34349, False, 97),
            Poke("gryffindor/harry-potter-1", "sctp", "forbidden-forrest/centaur-1", 34351, False, 99),
        )),
    )),
    Case(
        "CNPBaselineTierIngressNamedPort", "baseline-admin-network-policy-experimental-ingress-rules.go",
        ("baseline_tier/standard-ingress-tcp-rules.yaml",), ("ClusterNetworkPolicy", "ClusterNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-ingress' policy for named port", 43, (
            SetRuleField("default", "ingress", 3, "protocols", [{"destinationNamedPort": "web"}]),  # L49-57
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 62),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 66),
        )),
    )),
    Case(
        "CNPBaselineTierEgressInlineCIDRPeers", "baseline-admin-network-policy-standard-egress-inline-cidr-rules.go",
        ("baseline_tier/standard-egress-inline-cidr-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support a 'deny-egress' rule policy for egress-cidr-peer", 43, (
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, False, 49),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, False, 51),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 53),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, False, 59),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, False, 61),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, False, 63),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, True, 69),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, True, 71),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, True, 73),
            LabelNamespace("slytherin", {"conformance-house": "denied-namespace-label"}),  # L78-80
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, False, 83),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, False, 85),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, False, 87),
            LabelNamespace("slytherin", {"conformance-house": "slytherin"}),  # L92-94
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, True, 97),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, True, 99),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, True, 101),
        )),
        Step("Should support an 'allow-egress' rule policy for egress-cidr-peer", 111, (
            PrependNetworksRule("default", "allow-egress-to-specific-podIPs", "Accept", ("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-0")),  # L138
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 144),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 146),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 148),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, True, 150),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 152),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, True, 154),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 164),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 166),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 168),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 170),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 172),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9003, False, 174),
        )),
    )),
    Case(
        "CNPBaselineTierEgressSCTP", "baseline-admin-network-policy-standard-egress-sctp-rules.go",
        ("baseline_tier/standard-egress-sctp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for SCTP protocol; ensure rule ordering is respected", 41, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-0", 9003, True, 48),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 51),
        )),
        Step("Should support an 'allow-egress' policy for SCTP protocol at the specified port", 55, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 61),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 65),
        )),
        Step("Should support an 'deny-egress' policy for SCTP protocol; ensure rule ordering is respected", 69, (
            Swap("default", "egress", 0, 1),  # L76-78
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-1", 9003, False, 83),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 86),
        )),
        Step("Should support a 'deny-egress' policy for SCTP protocol at the specified port", 90, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 96),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 100),
        )),
    )),
    Case(
        "CNPBaselineTierEgressTCP", "baseline-admin-network-policy-standard-egress-tcp-rules.go",
        ("baseline_tier/standard-egress-tcp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected", 41, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 48),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 8080, True, 50),
        )),
        Step("Should support an 'allow-egress' policy for TCP protocol at the specified port", 54, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 60),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 64),
        )),
        Step("Should support an 'deny-egress' policy for TCP protocol; ensure rule ordering is respected", 68, (
            Swap("default", "egress", 0, 1),  # L75-77
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 82),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 8080, False, 85),
        )),
        Step("Should support a 'deny-egress' policy for TCP protocol at the specified port", 89, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 95),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 99),
        )),
    )),
    Case(
        "CNPBaselineTierEgressUDP", "baseline-admin-network-policy-standard-egress-udp-rules.go",
        ("baseline_tier/standard-egress-udp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for UDP protocol; ensure rule ordering is respected", 41, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-0", 53, True, 48),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-0", 5353, True, 51),
        )),
        Step("Should support an 'allow-egress' policy for UDP protocol at the specified port", 55, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 53, True, 61),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 5353, False, 65),
        )),
        Step("Should support an 'deny-egress' policy for UDP protocol; ensure rule ordering is respected", 69, (
            Swap("default", "egress", 0, 1),  # L76-78
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-1", 53, False, 83),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-1", 5353, False, 86),
        )),
        Step("Should support a 'deny-egress' policy for UDP protocol at the specified port", 90, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "slytherin/draco-malfoy-0", 5353, False, 96),
            Poke("hufflepuff/cedric-diggory-1", "udp", "slytherin/draco-malfoy-0", 53, True, 100),
        )),
    )),
    Case(
        "CNPBaselineTierGress", "baseline-admin-network-policy-standard-gress-rules.go",
        ("baseline_tier/standard-gress-rules-combined.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-gress' policy across different protocols", 41, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 50),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 52),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 54),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 63),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-0", 53, True, 65),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9003, True, 67),
        )),
        Step("Should support an 'allow-gress' policy across different protocols at the specified ports", 71, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 79),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 83),
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 5353, True, 87),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 91),
            Poke("gryffindor/harry-potter-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 95),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 99),
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 107),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 111),
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 5353, True, 115),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 53, False, 119),
            Poke("hufflepuff/cedric-diggory-0", "sctp", "gryffindor/harry-potter-1", 9003, True, 123),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 127),
        )),
        Step("Should support an 'deny-gress' policy across different protocols", 131, (
            Swap("default", "egress", 0, 1),  # L140-142
            Swap("default", "ingress", 0, 1),  # L143-145
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 150),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 152),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 154),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 163),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-1", 53, False, 165),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9003, False, 167),
        )),
        Step("Should support a 'deny-gress' policy across different protocols at the specified ports", 171, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 179),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 183),
            Poke("gryffindor/harry-potter-0", "udp", "slytherin/draco-malfoy-0", 53, False, 187),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 5353, True, 191),
            Poke("gryffindor/harry-potter-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 195),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 199),
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 207),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 211),
            Poke("slytherin/draco-malfoy-0", "udp", "gryffindor/harry-potter-0", 53, False, 215),
            Poke("slytherin/draco-malfoy-1", "udp", "gryffindor/harry-potter-0", 5353, True, 219),
            Poke("slytherin/draco-malfoy-0", "sctp", "gryffindor/harry-potter-0", 9003, False, 223),
            Poke("slytherin/draco-malfoy-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 227),
        )),
    )),
    Case(
        "CNPBaselineTierIngressSCTP", "baseline-admin-network-policy-standard-ingress-sctp-rules.go",
        ("baseline_tier/standard-ingress-sctp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for SCTP protocol; ensure rule ordering is respected", 41, (
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 48),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 50),
        )),
        Step("Should support an 'allow-ingress' policy for SCTP protocol at the specified port", 54, (
            Poke("hufflepuff/cedric-diggory-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, True, 60),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 64),
        )),
        Step("Should support an 'deny-ingress' policy for SCTP protocol; ensure rule ordering is respected", 68, (
            Swap("default", "ingress", 0, 1),  # L75-77
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 82),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 85),
        )),
        Step("Should support a 'deny-ingress' policy for SCTP protocol at the specified port", 89, (
            Poke("slytherin/draco-malfoy-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 95),
            Poke("slytherin/draco-malfoy-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 99),
        )),
    )),
    Case(
        "CNPBaselineTierIngressTCP", "baseline-admin-network-policy-standard-ingress-tcp-rules.go",
        ("baseline_tier/standard-ingress-tcp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected", 41, (
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 48),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 50),
        )),
        Step("Should support an 'allow-ingress' policy for TCP protocol at the specified port", 54, (
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 60),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 64),
        )),
        Step("Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected", 68, (
            Swap("default", "ingress", 0, 1),  # L75-77
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 82),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 85),
        )),
        Step("Should support a 'deny-ingress' policy for TCP protocol at the specified port", 89, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 95),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 99),
        )),
    )),
    Case(
        "CNPBaselineTierIngressUDP", "baseline-admin-network-policy-standard-ingress-udp-rules.go",
        ("baseline_tier/standard-ingress-udp-rules.yaml",), ("ClusterNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for UDP protocol; ensure rule ordering is respected", 41, (
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-0", 53, True, 48),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-0", 5353, True, 50),
        )),
        Step("Should support an 'allow-ingress' policy for UDP protocol at the specified port", 54, (
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 53, True, 60),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 64),
        )),
        Step("Should support an 'deny-ingress' policy for UDP protocol; ensure rule ordering is respected", 68, (
            Swap("default", "ingress", 0, 1),  # L75-77
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-1", 53, False, 82),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 85),
        )),
        Step("Should support a 'deny-ingress' policy for UDP protocol at the specified port", 89, (
            Poke("slytherin/draco-malfoy-0", "udp", "hufflepuff/cedric-diggory-0", 5353, False, 95),
            Poke("slytherin/draco-malfoy-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 99),
        )),
    )),
)
