"""The network-policy-api conformance tests for AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1),
transcribed as data.

Source: kubernetes-sigs/network-policy-api@0638d394d89ddb61dded975b502391a122fc762c (tag v0.1.7),
conformance/tests/*.go (each `Case` names its file; each `Step` and `Poke` carries the upstream line of its ``t.Run`` or
``PokeServer`` call). The expectation of each probe is upstream's ``shouldConnect`` argument. Host
ports written ``s.HostNetworkPorts[i]`` upstream are the suite's defaults (see topology.yaml).
The manifests are fixtures/conformance/network-policy-api/v1alpha1/ (topology.yaml plus the case's own).
"""

from __future__ import annotations

from helpers_npa_conformance import (
    Case,
    DeleteNetworkPolicy,
    Poke,
    PrependNetworksRule,
    SetPriority,
    SetRuleField,
    Step,
    Swap,
)

CASES: tuple[Case, ...] = (
    Case(
        "AdminNetworkPolicyEgressNamedPort", "admin-network-policy-experimental-egress-rules.go",
        ("admin_network_policy/standard-egress-tcp-rules.yaml",), ("AdminNetworkPolicy", "AdminNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-egress' policy for named port", 50, (
            SetRuleField("egress-tcp", "egress", 5, "ports", [{"namedPort": "web"}]),  # L67-75
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 80, True, 81),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 8080, False, 86),
        )),
    )),
    Case(
        "AdminNetworkPolicyEgressNodePeers", "admin-network-policy-experimental-egress-rules.go",
        ("admin_network_policy/experimental-egress-selector-rules.yaml",), ("AdminNetworkPolicy", "AdminNetworkPolicyEgressNodePeers",), (
        Step("Should support an 'allow-egress' rule policy for egress-node-peer", 113, (
            Poke("gryffindor/harry-potter-0", "tcp", "forbidden-forrest/centaur-1", 36363, True, 117),
        )),
        Step("Should support a 'pass-egress' rule policy for egress-node-peer", 121, (
            Poke("gryffindor/harry-potter-1", "udp", "forbidden-forrest/centaur-1", 34345, True, 125),
        )),
        Step("Should support a 'deny-egress' rule policy for egress-node-peer", 129, (
            Poke("gryffindor/harry-potter-1", "tcp", "forbidden-forrest/centaur-1", 36364, False, 132),
            Poke("gryffindor/harry-potter-1", "udp", "forbidden-forrest/centaur-1", 34346, False, 135),
            Poke("gryffindor/harry-potter-1", "sctp", "forbidden-forrest/centaur-1", 9003, False, 138),
        )),
    )),
    Case(
        "AdminNetworkPolicyIngressNamedPort", "admin-network-policy-experimental-ingress-rules.go",
        ("admin_network_policy/standard-ingress-udp-rules.yaml",), ("AdminNetworkPolicy", "AdminNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-ingress' policy for named port", 43, (
            SetRuleField("ingress-udp", "ingress", 5, "ports", [{"namedPort": "dns"}]),  # L60-68
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 53, True, 74),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 79),
        )),
    )),
    Case(
        "AdminNetworkPolicyEgressInlineCIDRPeers", "admin-network-policy-standard-egress-inline-cidr-rules.go",
        ("admin_network_policy/standard-egress-inline-cidr-rules.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support a 'deny-egress' rule policy for egress-cidr-peer", 51, (
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, False, 62),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, False, 65),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 68),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, False, 80),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, False, 83),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, False, 86),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, True, 98),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, True, 101),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, True, 104),
        )),
        Step("Should support an 'allow-egress' rule policy for egress-cidr-peer", 115, (
            PrependNetworksRule("inline-cidr-as-peers-example", "allow-egress-to-specific-podIPs", "Allow", ("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-0")),  # L155
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 161),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 164),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 167),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, True, 170),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 173),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, True, 176),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 194),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 197),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 200),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 203),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 206),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9003, False, 209),
        )),
    )),
    Case(
        "AdminNetworkPolicyEgressSCTP", "admin-network-policy-standard-egress-sctp-rules.go",
        ("admin_network_policy/standard-egress-sctp-rules.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for SCTP protocol; ensure rule ordering is respected", 48, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-0", 9003, True, 62),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 66),
        )),
        Step("Should support an 'allow-egress' policy for SCTP protocol at the specified port", 71, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 84),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 89),
        )),
        Step("Should support an 'deny-egress' policy for SCTP protocol; ensure rule ordering is respected", 94, (
            Swap("egress-sctp", "egress", 0, 1),  # L112-114
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-1", 9003, False, 120),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 124),
        )),
        Step("Should support a 'deny-egress' policy for SCTP protocol at the specified port", 129, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 142),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 147),
        )),
        Step("Should support an 'pass-egress' policy for SCTP protocol; ensure rule ordering is respected", 152, (
            Swap("egress-sctp", "egress", 0, 2),  # L170-172
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-1", 9003, True, 178),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9005, True, 182),
        )),
        Step("Should support a 'pass-egress' policy for SCTP protocol at the specified port", 187, (
            Swap("egress-sctp", "egress", 3, 4),  # L205-207
            Poke("ravenclaw/luna-lovegood-0", "sctp", "slytherin/draco-malfoy-0", 9003, True, 212),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 217),
        )),
    )),
    Case(
        "AdminNetworkPolicyEgressTCP", "admin-network-policy-standard-egress-tcp-rules.go",
        ("admin_network_policy/standard-egress-tcp-rules.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected", 48, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 62),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 8080, True, 65),
        )),
        Step("Should support an 'allow-egress' policy for TCP protocol at the specified port", 70, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 83),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 88),
        )),
        Step("Should support an 'deny-egress' policy for TCP protocol; ensure rule ordering is respected", 93, (
            Swap("egress-tcp", "egress", 0, 1),  # L111-113
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 119),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 8080, False, 123),
        )),
        Step("Should support a 'deny-egress' policy for TCP protocol at the specified port", 128, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 141),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 146),
        )),
        Step("Should support an 'pass-egress' policy for TCP protocol; ensure rule ordering is respected", 151, (
            Swap("egress-tcp", "egress", 0, 2),  # L169-171
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 177),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 8080, True, 181),
        )),
        Step("Should support a 'pass-egress' policy for TCP protocol at the specified port", 186, (
            Swap("egress-tcp", "egress", 3, 4),  # L204-206
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 211),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 216),
        )),
    )),
    Case(
        "AdminNetworkPolicyEgressUDP", "admin-network-policy-standard-egress-udp-rules.go",
        ("admin_network_policy/standard-egress-udp-rules.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for UDP protocol; ensure rule ordering is respected", 48, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-0", 53, True, 62),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-0", 5353, True, 66),
        )),
        Step("Should support an 'allow-egress' policy for UDP protocol at the specified port", 71, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 53, True, 84),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 5353, False, 89),
        )),
        Step("Should support an 'deny-egress' policy for UDP protocol; ensure rule ordering is respected", 94, (
            Swap("egress-udp", "egress", 0, 1),  # L112-114
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-1", 53, False, 120),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-1", 5353, False, 124),
        )),
        Step("Should support a 'deny-egress' policy for UDP protocol at the specified port", 129, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "slytherin/draco-malfoy-0", 5353, False, 142),
            Poke("hufflepuff/cedric-diggory-1", "udp", "slytherin/draco-malfoy-0", 53, True, 147),
        )),
        Step("Should support an 'pass-egress' policy for UDP protocol; ensure rule ordering is respected", 152, (
            Swap("egress-udp", "egress", 0, 2),  # L170-172
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-1", 5353, True, 178),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-1", 53, True, 182),
        )),
        Step("Should support a 'pass-egress' policy for UDP protocol at the specified port", 187, (
            Swap("egress-udp", "egress", 3, 4),  # L205-207
            Poke("hufflepuff/cedric-diggory-0", "udp", "slytherin/draco-malfoy-0", 5353, True, 212),
            Poke("hufflepuff/cedric-diggory-1", "udp", "slytherin/draco-malfoy-0", 53, True, 217),
        )),
    )),
    Case(
        "AdminNetworkPolicyGress", "admin-network-policy-standard-gress-rules.go",
        ("admin_network_policy/standard-gress-rules-combined.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support an 'allow-gress' policy across different protocols", 48, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 64),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 67),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 70),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 84),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-0", 53, True, 87),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9003, True, 90),
        )),
        Step("Should support an 'allow-gress' policy across different protocols at the specified ports", 95, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 110),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 115),
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 5353, True, 120),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 125),
            Poke("gryffindor/harry-potter-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 130),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 135),
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 148),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 153),
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 5353, True, 158),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 53, False, 163),
            Poke("hufflepuff/cedric-diggory-0", "sctp", "gryffindor/harry-potter-1", 9003, True, 168),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 173),
        )),
        Step("Should support an 'deny-gress' policy across different protocols", 178, (
            Swap("gress-rules", "egress", 0, 1),  # L198-200
            Swap("gress-rules", "ingress", 0, 1),  # L201-203
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 209),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 212),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 215),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 229),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-1", 53, False, 232),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9003, False, 235),
        )),
        Step("Should support a 'deny-gress' policy across different protocols at the specified ports", 240, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 255),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 260),
            Poke("gryffindor/harry-potter-0", "udp", "slytherin/draco-malfoy-0", 53, False, 265),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 5353, True, 270),
            Poke("gryffindor/harry-potter-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 275),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 280),
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 293),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 298),
            Poke("slytherin/draco-malfoy-0", "udp", "gryffindor/harry-potter-0", 53, False, 303),
            Poke("slytherin/draco-malfoy-1", "udp", "gryffindor/harry-potter-0", 5353, True, 308),
            Poke("slytherin/draco-malfoy-0", "sctp", "gryffindor/harry-potter-0", 9003, False, 313),
            Poke("slytherin/draco-malfoy-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 318),
        )),
        Step("Should support an 'pass-gress' policy across different protocols", 323, (
            Swap("gress-rules", "egress", 0, 2),  # L343-345
            Swap("gress-rules", "ingress", 0, 2),  # L346-348
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 354),
            Poke("gryffindor/harry-potter-0", "udp", "ravenclaw/luna-lovegood-0", 5353, True, 360),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 366),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 380),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-0", 53, True, 384),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9003, True, 388),
        )),
        Step("Should support a 'pass-gress' policy across different protocols at the specified ports", 393, (
            Swap("gress-rules", "egress", 3, 4),  # L413-415
            Swap("gress-rules", "ingress", 3, 4),  # L416-418
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 423),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 428),
            Poke("gryffindor/harry-potter-0", "udp", "slytherin/draco-malfoy-0", 53, True, 433),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 5353, True, 438),
            Poke("gryffindor/harry-potter-0", "sctp", "slytherin/draco-malfoy-0", 9003, True, 443),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 448),
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 461),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 466),
            Poke("slytherin/draco-malfoy-0", "udp", "gryffindor/harry-potter-0", 53, True, 471),
            Poke("slytherin/draco-malfoy-1", "udp", "gryffindor/harry-potter-0", 5353, True, 476),
            Poke("slytherin/draco-malfoy-0", "sctp", "gryffindor/harry-potter-0", 9003, True, 481),
            Poke("slytherin/draco-malfoy-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 486),
        )),
    )),
    Case(
        "AdminNetworkPolicyIngressSCTP", "admin-network-policy-standard-ingress-sctp-rules.go",
        ("admin_network_policy/standard-ingress-sctp-rules.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for SCTP protocol; ensure rule ordering is respected", 48, (
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 62),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 65),
        )),
        Step("Should support an 'allow-ingress' policy for SCTP protocol at the specified port", 70, (
            Poke("hufflepuff/cedric-diggory-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, True, 83),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 88),
        )),
        Step("Should support an 'deny-ingress' policy for SCTP protocol; ensure rule ordering is respected", 93, (
            Swap("ingress-sctp", "ingress", 0, 1),  # L111-113
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 119),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 123),
        )),
        Step("Should support a 'deny-ingress' policy for SCTP protocol at the specified port", 128, (
            Poke("slytherin/draco-malfoy-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 141),
            Poke("slytherin/draco-malfoy-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 146),
        )),
        Step("Should support an 'pass-ingress' policy for SCTP protocol; ensure rule ordering is respected", 151, (
            Swap("ingress-sctp", "ingress", 0, 2),  # L169-171
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, True, 177),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, True, 181),
        )),
        Step("Should support a 'pass-ingress' policy for SCTP protocol at the specified port", 186, (
            Swap("ingress-sctp", "ingress", 3, 4),  # L204-206
            Poke("slytherin/draco-malfoy-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 211),
            Poke("slytherin/draco-malfoy-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 216),
        )),
    )),
    Case(
        "AdminNetworkPolicyIngressTCP", "admin-network-policy-standard-ingress-tcp-rules.go",
        ("admin_network_policy/standard-ingress-tcp-rules.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected", 48, (
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 62),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 65),
        )),
        Step("Should support an 'allow-ingress' policy for TCP protocol at the specified port", 70, (
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 83),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 88),
        )),
        Step("Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected", 93, (
            Swap("ingress-tcp", "ingress", 0, 1),  # L111-113
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 119),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 123),
        )),
        Step("Should support a 'deny-ingress' policy for TCP protocol at the specified port", 128, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 141),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 146),
        )),
        Step("Should support an 'pass-ingress' policy for TCP protocol; ensure rule ordering is respected", 151, (
            Swap("ingress-tcp", "ingress", 0, 2),  # L169-171
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 177),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 181),
        )),
        Step("Should support a 'pass-ingress' policy for TCP protocol at the specified port", 186, (
            Swap("ingress-tcp", "ingress", 3, 4),  # L204-206
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 211),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 216),
        )),
    )),
    Case(
        "AdminNetworkPolicyIngressUDP", "admin-network-policy-standard-ingress-udp-rules.go",
        ("admin_network_policy/standard-ingress-udp-rules.yaml",), ("AdminNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for UDP protocol; ensure rule ordering is respected", 49, (
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-0", 53, True, 63),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-0", 5353, True, 66),
        )),
        Step("Should support an 'allow-ingress' policy for UDP protocol at the specified port", 71, (
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 53, True, 84),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 89),
        )),
        Step("Should support an 'deny-ingress' policy for UDP protocol; ensure rule ordering is respected", 94, (
            Swap("ingress-udp", "ingress", 0, 1),  # L112-114
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-1", 53, False, 120),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 124),
        )),
        Step("Should support a 'deny-ingress' policy for UDP protocol at the specified port", 129, (
            Poke("slytherin/draco-malfoy-0", "udp", "hufflepuff/cedric-diggory-0", 5353, False, 142),
            Poke("slytherin/draco-malfoy-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 147),
        )),
        Step("Should support an 'pass-ingress' policy for UDP protocol; ensure rule ordering is respected", 152, (
            Swap("ingress-udp", "ingress", 0, 2),  # L170-172
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-1", 5353, True, 178),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-1", 53, True, 182),
        )),
        Step("Should support a 'pass-ingress' policy for UDP protocol at the specified port", 187, (
            Swap("ingress-udp", "ingress", 3, 4),  # L205-207
            Poke("slytherin/draco-malfoy-0", "udp", "hufflepuff/cedric-diggory-0", 5353, True, 212),
            Poke("slytherin/draco-malfoy-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 217),
        )),
    )),
    Case(
        "AdminNetworkPolicyIntegration", "admin-network-policy-standard-integration.go",
        ("api_integration/standard-anp-np-banp.yaml",), ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy",), (
        Step('Should Deny traffic from slytherin to gryffindor respecting ANP', 50, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 64),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, False, 68),
        )),
        Step('Should Deny traffic to slytherin from gryffindor respecting ANP', 73, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 87),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, False, 91),
        )),
        Step("Should support a 'pass-ingress' policy for ANP and respect the match for network policy", 96, (
            SetRuleField("pass-example", "ingress", 0, "action", "Pass"),  # L108
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 121),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 125),
        )),
        Step("Should support a 'pass-egress' policy for ANP and respect the match for network policy", 130, (
            SetRuleField("pass-example", "egress", 0, "action", "Pass"),  # L142
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 155),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 159),
        )),
        Step("Should support a 'pass-ingress' policy for ANP and respect the match for baseline admin network policy", 164, (
            DeleteNetworkPolicy("gryffindor", "allow-gress-from-to-slytherin-to-gryffindor"),  # L175
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 187),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, False, 191),
        )),
        Step("Should support a 'pass-egress' policy for ANP and respect the match for baseline admin network policy", 196, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 210),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, False, 214),
        )),
    )),
    Case(
        "AdminNetworkPolicyPriorityField", "admin-network-policy-standard-priority.go",
        ("admin_network_policy/standard-priority-field.yaml",), ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy",), (
        Step('Should Deny traffic from slytherin to gryffindor respecting ANP', 49, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 63),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, False, 67),
        )),
        Step('Should Deny traffic to slytherin from gryffindor respecting ANP', 72, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 86),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, False, 90),
        )),
        Step('Should respect ANP priority field; thus passing both ingress and egress traffic over to BANP', 95, (
            SetPriority("old-priority-60-new-priority-40-example", 40),  # L106
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, True, 119),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 123),
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, True, 136),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 140),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyEgressNamedPort", "baseline-admin-network-policy-experimental-egress-rules.go",
        ("baseline_admin_network_policy/standard-egress-udp-rules.yaml",), ("BaselineAdminNetworkPolicy", "BaselineAdminNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-egress' policy for named port", 50, (
            SetRuleField("default", "egress", 3, "ports", [{"namedPort": "dns"}]),  # L67-75
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 53, True, 81),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 5353, False, 86),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyEgressNodePeers", "baseline-admin-network-policy-experimental-egress-rules.go",
        ("baseline_admin_network_policy/experimental-egress-selector-rules.yaml",), ("BaselineAdminNetworkPolicy", "BaselineAdminNetworkPolicyEgressNodePeers",), (
        Step("Should support an 'allow-egress' rule policy for egress-node-peer", 112, (
            Poke("gryffindor/harry-potter-0", "tcp", "forbidden-forrest/centaur-1", 36363, True, 116),
            Poke("gryffindor/harry-potter-1", "tcp", "forbidden-forrest/centaur-1", 36364, True, 119),
        )),
        Step("Should support a 'deny-egress' rule policy for egress-node-peer", 123, (
            Poke("gryffindor/harry-potter-1", "udp", "forbidden-forrest/centaur-1", 34346, False, 126),
            Poke("gryffindor/harry-potter-1", "sctp", "forbidden-forrest/centaur-1", 9003, False, 129),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyIngressNamedPort", "baseline-admin-network-policy-experimental-ingress-rules.go",
        ("baseline_admin_network_policy/standard-ingress-tcp-rules.yaml",), ("BaselineAdminNetworkPolicy", "BaselineAdminNetworkPolicyNamedPorts",), (
        Step("Should support an 'allow-ingress' policy for named port", 49, (
            SetRuleField("default", "ingress", 3, "ports", [{"namedPort": "web"}]),  # L66-74
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 80),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 85),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyEgressInlineCIDRPeers", "baseline-admin-network-policy-standard-egress-inline-cidr-rules.go",
        ("baseline_admin_network_policy/standard-egress-inline-cidr-rules.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support a 'deny-egress' rule policy for egress-cidr-peer", 50, (
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, False, 61),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, False, 64),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 67),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, False, 79),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, False, 82),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, False, 85),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 80, True, 97),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 53, True, 100),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9003, True, 103),
        )),
        Step("Should support an 'allow-egress' rule policy for egress-cidr-peer", 114, (
            PrependNetworksRule("default", "allow-egress-to-specific-podIPs", "Allow", ("ravenclaw/luna-lovegood-0", "hufflepuff/cedric-diggory-0")),  # L154
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 160),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 163),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 166),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-0", 80, True, 169),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 172),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-0", 9003, True, 175),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 193),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 196),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 199),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 202),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 205),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9003, False, 208),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyEgressSCTP", "baseline-admin-network-policy-standard-egress-sctp-rules.go",
        ("baseline_admin_network_policy/standard-egress-sctp-rules.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for SCTP protocol; ensure rule ordering is respected", 48, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-0", 9003, True, 62),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 66),
        )),
        Step("Should support an 'allow-egress' policy for SCTP protocol at the specified port", 71, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 84),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 89),
        )),
        Step("Should support an 'deny-egress' policy for SCTP protocol; ensure rule ordering is respected", 94, (
            Swap("default", "egress", 0, 1),  # L112-114
            Poke("ravenclaw/luna-lovegood-0", "sctp", "gryffindor/harry-potter-1", 9003, False, 120),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 124),
        )),
        Step("Should support a 'deny-egress' policy for SCTP protocol at the specified port", 129, (
            Poke("ravenclaw/luna-lovegood-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 142),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 147),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyEgressTCP", "baseline-admin-network-policy-standard-egress-tcp-rules.go",
        ("baseline_admin_network_policy/standard-egress-tcp-rules.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected", 48, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 62),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-0", 8080, True, 65),
        )),
        Step("Should support an 'allow-egress' policy for TCP protocol at the specified port", 70, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 83),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 88),
        )),
        Step("Should support an 'deny-egress' policy for TCP protocol; ensure rule ordering is respected", 93, (
            Swap("default", "egress", 0, 1),  # L111-113
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 119),
            Poke("gryffindor/harry-potter-1", "tcp", "ravenclaw/luna-lovegood-1", 8080, False, 123),
        )),
        Step("Should support a 'deny-egress' policy for TCP protocol at the specified port", 128, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 141),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 146),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyEgressUDP", "baseline-admin-network-policy-standard-egress-udp-rules.go",
        ("baseline_admin_network_policy/standard-egress-udp-rules.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support an 'allow-egress' policy for UDP protocol; ensure rule ordering is respected", 48, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-0", 53, True, 62),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-0", 5353, True, 66),
        )),
        Step("Should support an 'allow-egress' policy for UDP protocol at the specified port", 71, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 53, True, 84),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 5353, False, 89),
        )),
        Step("Should support an 'deny-egress' policy for UDP protocol; ensure rule ordering is respected", 94, (
            Swap("default", "egress", 0, 1),  # L112-114
            Poke("hufflepuff/cedric-diggory-0", "udp", "ravenclaw/luna-lovegood-1", 53, False, 120),
            Poke("hufflepuff/cedric-diggory-1", "udp", "ravenclaw/luna-lovegood-1", 5353, False, 124),
        )),
        Step("Should support a 'deny-egress' policy for UDP protocol at the specified port", 129, (
            Poke("hufflepuff/cedric-diggory-0", "udp", "slytherin/draco-malfoy-0", 5353, False, 142),
            Poke("hufflepuff/cedric-diggory-1", "udp", "slytherin/draco-malfoy-0", 53, True, 147),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyGress", "baseline-admin-network-policy-standard-gress-rules.go",
        ("baseline_admin_network_policy/standard-gress-rules-combined.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support an 'allow-gress' policy across different protocols", 48, (
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-0", 80, True, 64),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-0", 53, True, 67),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 70),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 84),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-0", 53, True, 87),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-0", 9003, True, 90),
        )),
        Step("Should support an 'allow-gress' policy across different protocols at the specified ports", 95, (
            Poke("gryffindor/harry-potter-0", "tcp", "hufflepuff/cedric-diggory-1", 8080, True, 110),
            Poke("gryffindor/harry-potter-1", "tcp", "hufflepuff/cedric-diggory-1", 80, False, 115),
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 5353, True, 120),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 53, False, 125),
            Poke("gryffindor/harry-potter-0", "sctp", "hufflepuff/cedric-diggory-1", 9003, True, 130),
            Poke("gryffindor/harry-potter-1", "sctp", "hufflepuff/cedric-diggory-1", 9005, False, 135),
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 148),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 153),
            Poke("hufflepuff/cedric-diggory-0", "udp", "gryffindor/harry-potter-1", 5353, True, 158),
            Poke("hufflepuff/cedric-diggory-1", "udp", "gryffindor/harry-potter-1", 53, False, 163),
            Poke("hufflepuff/cedric-diggory-0", "sctp", "gryffindor/harry-potter-1", 9003, True, 168),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "gryffindor/harry-potter-1", 9005, False, 173),
        )),
        Step("Should support an 'deny-gress' policy across different protocols", 178, (
            Swap("default", "egress", 0, 1),  # L198-200
            Swap("default", "ingress", 0, 1),  # L201-203
            Poke("gryffindor/harry-potter-0", "tcp", "ravenclaw/luna-lovegood-1", 80, False, 209),
            Poke("gryffindor/harry-potter-1", "udp", "ravenclaw/luna-lovegood-1", 53, False, 212),
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 215),
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 229),
            Poke("ravenclaw/luna-lovegood-1", "udp", "gryffindor/harry-potter-1", 53, False, 232),
            Poke("ravenclaw/luna-lovegood-1", "sctp", "gryffindor/harry-potter-1", 9003, False, 235),
        )),
        Step("Should support a 'deny-gress' policy across different protocols at the specified ports", 240, (
            Poke("gryffindor/harry-potter-0", "tcp", "slytherin/draco-malfoy-0", 80, False, 255),
            Poke("gryffindor/harry-potter-1", "tcp", "slytherin/draco-malfoy-0", 8080, True, 260),
            Poke("gryffindor/harry-potter-0", "udp", "slytherin/draco-malfoy-0", 53, False, 265),
            Poke("gryffindor/harry-potter-1", "udp", "slytherin/draco-malfoy-0", 5353, True, 270),
            Poke("gryffindor/harry-potter-0", "sctp", "slytherin/draco-malfoy-0", 9003, False, 275),
            Poke("gryffindor/harry-potter-1", "sctp", "slytherin/draco-malfoy-0", 9005, True, 280),
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 293),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 298),
            Poke("slytherin/draco-malfoy-0", "udp", "gryffindor/harry-potter-0", 53, False, 303),
            Poke("slytherin/draco-malfoy-1", "udp", "gryffindor/harry-potter-0", 5353, True, 308),
            Poke("slytherin/draco-malfoy-0", "sctp", "gryffindor/harry-potter-0", 9003, False, 313),
            Poke("slytherin/draco-malfoy-1", "sctp", "gryffindor/harry-potter-0", 9005, True, 318),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyIngressSCTP", "baseline-admin-network-policy-standard-ingress-sctp-rules.go",
        ("baseline_admin_network_policy/standard-ingress-sctp-rules.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for SCTP protocol; ensure rule ordering is respected", 48, (
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, True, 62),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 65),
        )),
        Step("Should support an 'allow-ingress' policy for SCTP protocol at the specified port", 70, (
            Poke("hufflepuff/cedric-diggory-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, True, 83),
            Poke("hufflepuff/cedric-diggory-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 88),
        )),
        Step("Should support an 'deny-ingress' policy for SCTP protocol; ensure rule ordering is respected", 93, (
            Swap("default", "ingress", 0, 1),  # L111-113
            Poke("gryffindor/harry-potter-0", "sctp", "ravenclaw/luna-lovegood-1", 9003, False, 119),
            Poke("gryffindor/harry-potter-1", "sctp", "ravenclaw/luna-lovegood-1", 9005, False, 123),
        )),
        Step("Should support a 'deny-ingress' policy for SCTP protocol at the specified port", 128, (
            Poke("slytherin/draco-malfoy-0", "sctp", "ravenclaw/luna-lovegood-0", 9003, False, 141),
            Poke("slytherin/draco-malfoy-1", "sctp", "ravenclaw/luna-lovegood-0", 9005, True, 146),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyIngressTCP", "baseline-admin-network-policy-standard-ingress-tcp-rules.go",
        ("baseline_admin_network_policy/standard-ingress-tcp-rules.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected", 48, (
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-0", 80, True, 62),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 65),
        )),
        Step("Should support an 'allow-ingress' policy for TCP protocol at the specified port", 70, (
            Poke("hufflepuff/cedric-diggory-0", "tcp", "gryffindor/harry-potter-1", 80, True, 83),
            Poke("hufflepuff/cedric-diggory-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 88),
        )),
        Step("Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected", 93, (
            Swap("default", "ingress", 0, 1),  # L111-113
            Poke("ravenclaw/luna-lovegood-0", "tcp", "gryffindor/harry-potter-1", 80, False, 119),
            Poke("ravenclaw/luna-lovegood-1", "tcp", "gryffindor/harry-potter-1", 8080, False, 123),
        )),
        Step("Should support a 'deny-ingress' policy for TCP protocol at the specified port", 128, (
            Poke("slytherin/draco-malfoy-0", "tcp", "gryffindor/harry-potter-0", 80, False, 141),
            Poke("slytherin/draco-malfoy-1", "tcp", "gryffindor/harry-potter-0", 8080, True, 146),
        )),
    )),
    Case(
        "BaselineAdminNetworkPolicyIngressUDP", "baseline-admin-network-policy-standard-ingress-udp-rules.go",
        ("baseline_admin_network_policy/standard-ingress-udp-rules.yaml",), ("BaselineAdminNetworkPolicy",), (
        Step("Should support an 'allow-ingress' policy for UDP protocol; ensure rule ordering is respected", 48, (
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-0", 53, True, 62),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-0", 5353, True, 65),
        )),
        Step("Should support an 'allow-ingress' policy for UDP protocol at the specified port", 70, (
            Poke("gryffindor/harry-potter-0", "udp", "hufflepuff/cedric-diggory-1", 53, True, 83),
            Poke("gryffindor/harry-potter-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 88),
        )),
        Step("Should support an 'deny-ingress' policy for UDP protocol; ensure rule ordering is respected", 93, (
            Swap("default", "ingress", 0, 1),  # L111-113
            Poke("ravenclaw/luna-lovegood-0", "udp", "hufflepuff/cedric-diggory-1", 53, False, 119),
            Poke("ravenclaw/luna-lovegood-1", "udp", "hufflepuff/cedric-diggory-1", 5353, False, 123),
        )),
        Step("Should support a 'deny-ingress' policy for UDP protocol at the specified port", 128, (
            Poke("slytherin/draco-malfoy-0", "udp", "hufflepuff/cedric-diggory-0", 5353, False, 141),
            Poke("slytherin/draco-malfoy-1", "udp", "hufflepuff/cedric-diggory-0", 53, True, 146),
        )),
    )),
)
