"""Lint a few YAML documents given as text: the shared fixture of the lint unit tests."""

from __future__ import annotations

import textwrap

from netverify.loaders.manifests import load_blobs
from netverify.model import Severity
from netverify.queries.context import Analysis
from netverify.queries.lint import LintOptions, LintResult, lint
from netverify.queries.lint.findings import Finding
from netverify.semantics.options import Semantics


def namespace(name: str, **labels: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels or {}}}}\n"


def pod(namespace: str, name: str, labels: str, ip: str = "", ports: str = "", host_network: bool = False) -> str:
    """A running Pod; `labels` and `ports` are YAML flow text, e.g. "{app: web}" and "[{name: http, ...}]"."""
    doc = (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}\n"
           f"spec:\n  hostNetwork: {'true' if host_network else 'false'}\n  nodeName: node-1\n"
           f"  containers:\n    - name: c\n      image: i\n")
    if ports:
        doc += f"      ports: {ports}\n"
    doc += "status: {phase: Running" + (f", podIP: {ip}" if ip else "") + "}\n"
    return doc


def policy(namespace: str, name: str, spec: str) -> str:
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
    meta = f"metadata: {{name: {name}, namespace: {namespace}}}"
    return f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n{meta}\nspec:\n{body}\n"


DNS = pod("kube-system", "coredns", "{k8s-app: kube-dns}", "10.0.9.9",
          "[{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53, protocol: TCP}]")


def run(*docs: str, select: str = "", ipblock_scope: str = "all") -> LintResult:
    """Lint the documents (one file, `lint.yaml`) with only the codes in `select` (comma-separated prefixes)."""
    loaded = load_blobs([("lint.yaml", "---\n".join(docs).encode())])
    analysis = Analysis(loaded.cluster, Semantics(ipblock_matches_pods=ipblock_scope == "all"))
    codes = tuple(c for c in select.split(",") if c)
    return lint(analysis, loaded.errors, LintOptions(select=codes, ignore=("NV6",)))


def codes(result: LintResult) -> list[str]:
    return [f.code for f in result.findings]


def only(result: LintResult, code: str) -> Finding:
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, [f.message for f in result.findings]
    return found[0]


def line_of(docs: tuple[str, ...], needle: str, occurrence: int = 1) -> int:
    """The line of the n-th occurrence of `needle` in the file run() writes."""
    seen = 0
    for number, line in enumerate("---\n".join(docs).splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


__all__ = ["DNS", "Severity", "codes", "line_of", "namespace", "only", "pod", "policy", "run"]
