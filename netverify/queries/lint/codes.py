"""The lint codes: one stable code per kind of mistake, grouped by family.

NV1xx selection, NV2xx ports, NV3xx objects the API server would reject, NV4xx isolation and DNS,
NV5xx breadth, ipBlocks, hostNetwork and YAML traps, NV6xx redundancy and shadowing (written by
netverify.queries.lint.redundancy), NV7xx admin tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy). Every code has a page docs/lint/<code>.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netverify.model import Severity


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name: str  # PascalCase, for SARIF viewers
    title: str  # one line: what the code detects
    severity: Severity  # the usual severity; a check may lower it where the signal is weaker


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, CodeInfo] = {c.code: c for c in (
    CodeInfo("NV101", "PolicySelectsNoPod", "A NetworkPolicy selects no loaded pod", _W),
    CodeInfo("NV102", "PeerMatchesNothing", "A podSelector/namespaceSelector peer matches no loaded pod", _W),
    CodeInfo("NV201", "NamedPortUndefined", "A named port that no destination pod defines", _W),
    CodeInfo("NV202", "NamedPortProtocolMismatch", "A named port the destination pods define with another protocol",
             _W),
    CodeInfo("NV300", "InvalidObject", "An object or file netverify (and the API server) cannot read", _E),
    CodeInfo("NV301", "InvalidCIDR", "An ipBlock cidr or except that is not a valid CIDR", _E),
    CodeInfo("NV302", "ExceptOutsideCIDR", "An ipBlock except entry that is not a strict subset of the cidr", _E),
    CodeInfo("NV303", "InvalidEndPort", "An endPort below port, with a named port, or without a port", _E),
    CodeInfo("NV304", "UnknownOperator", "A matchExpressions operator other than In, NotIn, Exists, DoesNotExist",
             _E),
    CodeInfo("NV305", "SelectorValuesMismatch", "values given with Exists/DoesNotExist, or missing with In/NotIn",
             _E),
    CodeInfo("NV306", "UnknownPolicyType", "A policyTypes entry other than Ingress or Egress", _E),
    CodeInfo("NV401", "EgressBlocksDNS", "Pods isolated for egress that cannot reach cluster DNS on 53/UDP and 53/TCP",
             _W),
    CodeInfo("NV402", "PodNotIsolatedForIngress", "Pods no policy isolates for ingress: every source may connect", _W),
    CodeInfo("NV403", "NamespaceWithoutDefaultDeny", "A namespace with pods and no default-deny ingress policy", _I),
    CodeInfo("NV501", "BroadIngressOverNarrowRules",
             "Ingress from 0.0.0.0/0 or every namespace to pods that narrower rules also admit", _W),
    CodeInfo("NV502", "IPBlockCoversPods", "An ipBlock that contains pod IPs (ipBlock is for cluster-external "
             "addresses)", _W),
    CodeInfo("NV503", "PolicySelectsHostNetworkPod", "A policy selects hostNetwork pods, which it does not govern", _W),
    CodeInfo("NV504", "PeerMatchesHostNetworkPod",
             "A selector peer whose labels match hostNetwork pods, which selectors never match", _W),
    CodeInfo("NV505", "SplitPeersTrap", "namespaceSelector and podSelector written as two peers where the two readings "
             "differ", _W),
    CodeInfo("NV506", "CombinedPeerTrap", "namespaceSelector and podSelector in one peer match nothing, as two peers "
             "they would", _I),
    CodeInfo("NV601", "RedundantRule", "A rule whose removal changes no allowed connection: other rules cover it", _I),
    CodeInfo("NV602", "RedundantPolicy", "A policy whose removal changes no allowed connection", _W),
    CodeInfo("NV603", "ShadowedByAllowAll", "Rules made pointless by an allow-all rule for the same pods", _W),
    CodeInfo("NV701", "AdminPriorityOverlap", "Equal-priority admin policies of one tier decide a connection "
             "differently (the order is undefined)", _W),
    CodeInfo("NV702", "AdminRuleShadowed", "An admin rule that never decides a connection: earlier rules or higher "
             "tiers decide everything it matches", _W),
    CodeInfo("NV703", "PassToNothing", "A Pass whose connections no later tier decides: it equals Accept", _W),
    CodeInfo("NV704", "NamedPortWithAddressPeer", "A named port with networks/nodes peers, which it never matches",
             _W),
    CodeInfo("NV705", "DomainNamesNotAccept", "domainNames in a Deny or Pass rule (supported in Accept rules only)",
             _W),
    CodeInfo("NV706", "DomainNamesUnprovable", "domainNames in an Accept rule: what they allow cannot be known from "
             "manifests", _I),
    CodeInfo("NV707", "NetworkPolicyVoidedByAdmin", "A NetworkPolicy rule whose every connection the Admin tier "
             "decides first, denying some", _W),
)}

_CODE_PATTERN = re.compile(r"^NV[0-9]{1,3}$")


def is_code_pattern(text: str) -> bool:
    """A code or a code prefix as --select/--ignore accept it (NV, NV1, NV10, NV101)."""
    return text == "NV" or bool(_CODE_PATTERN.match(text))


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Whether a finding of `code` is reported under --select/--ignore (prefixes match whole families)."""
    if select and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(i) for i in ignore)


def family_selected(prefix: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Whether any code starting with `prefix` (a family such as NV6) could be reported: checks are skipped if not."""
    if any(prefix.startswith(i) for i in ignore):
        return False
    return not select or any(s.startswith(prefix) or prefix.startswith(s) for s in select)
