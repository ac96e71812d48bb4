"""Assertion files (`kind: Assertions`, apiVersion netverify.dev/v1alpha1): format and loading.

    apiVersion: netverify.dev/v1alpha1
    kind: Assertions
    metadata: {name: dns}               # optional
    assertions:
      - name: shop-reaches-dns
        description: ...                # optional
        from: shop/*                    # an endpoint expression (string) or a structured form
        to: {namespace: kube-system, podSelector: {matchLabels: {k8s-app: kube-dns}}}
        ports: ["53/UDP", "53/TCP"]     # optional: every port when absent
        scope: any                      # inventory (default) | any
        expect: allow                   # deny | allow | reachable
        relation: different-namespace   # optional: same-namespace | different-namespace

      - name: internet-never-reaches-data  # kind: path (docs/paths.md): many hops, not one connection
        kind: path
        from: internet                  # or an endpoint set, or a CIDR (addresses outside the cluster)
        to: data/*
        expect: deny                    # deny: no path | reachable: some path
        maxHops: 4                      # optional: any number of hops when absent
        onlyThrough: shop/app=api       # optional: only paths that avoid these endpoints are in question

Every problem is reported with file:line; docs/assertions.md is the reference.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from netverify.engines.smt_types import EXPECTATIONS, RELATIONS
from netverify.loaders.convert import convert_selector
from netverify.loaders.fields import Fields, is_dns_label, line_of, port_name_problem
from netverify.loaders.manifests import discover
from netverify.loaders.yamlio import YAMLInputError, iter_documents
from netverify.model import Diagnostic, InputError, Labels, LabelSelector, Severity, SourceRef, freeze_labels
from netverify.model.source import printable
from netverify.semantics.ports import PortSelection, ascii_digits
from netverify.semantics.selectors import SelectorSyntaxError, parse_selector
from netverify.sets import PROTOCOLS

API_VERSION = "netverify.dev/v1alpha1"
KIND = "Assertions"
SCOPES = ("inventory", "any")
_TOP_KEYS = ("apiVersion", "kind", "metadata", "assertions")
_ASSERTION_KEYS = ("name", "description", "kind", "from", "to", "ports", "scope", "expect", "relation", "maxHops",
                   "onlyThrough")
KINDS = ("connection", "path")
PATH_EXPECTATIONS = ("deny", "reachable")
INTERNET = "internet"  # `from: internet` in a path assertion: every public address outside the cluster
_ENDPOINT_KEYS = ("namespace", "namespaceSelector", "podSelector", "labels", "cidr", "except")
_PORT = re.compile(r"^(?P<port>[^/\s]+)(?:/(?P<proto>[A-Za-z]+))?$")


@dataclass(frozen=True)
class EndpointSpec:
    """An endpoint expression: `text` (as on the command line) or the structured form."""

    text: str | None = None
    namespace: str | None = None
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    labels: Labels | None = None  # exactly these labels
    cidr: str | None = None
    excepts: tuple[str, ...] = ()  # carved out of cidr

    @property
    def only_addresses(self) -> bool:
        """A bare cidr: addresses outside the cluster."""
        return (self.text is None and self.cidr is not None and self.namespace is None
                and self.namespace_selector is None and self.pod_selector is None and self.labels is None)

    def describe(self) -> str:
        if self.text is not None:
            return self.text
        parts = []
        if self.namespace is not None:
            parts.append(f"namespace {self.namespace}")
        if self.namespace_selector is not None:
            parts.append(f"namespaces {self.namespace_selector.describe()}")
        if self.pod_selector is not None:
            parts.append(f"pods {self.pod_selector.describe()}")
        if self.labels is not None:
            parts.append("labels exactly {" + ",".join(f"{k}={v}" for k, v in self.labels) + "}")
        if self.cidr is not None:
            cidr = self.cidr + (f" except {','.join(self.excepts)}" if self.excepts else "")
            parts.append(f"addresses {cidr}" if self.only_addresses else f"IP in {cidr}")
        return ", ".join(parts) or "every pod"


@dataclass(frozen=True)
class Assertion:
    name: str
    src: EndpointSpec
    dst: EndpointSpec
    expect: str
    scope: str = "inventory"
    ports: tuple[PortSelection, ...] = ()
    relation: str | None = None
    description: str = ""
    source: SourceRef = SourceRef("")
    src_source: SourceRef = SourceRef("")
    dst_source: SourceRef = SourceRef("")
    kind: str = "connection"  # one of KINDS: one connection, or a path of many hops
    max_hops: int | None = None  # path: at most this many hops (None: any number)
    only_through: EndpointSpec | None = None  # path: only paths avoiding these endpoints are in question

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name, "description": self.description, "from": self.src.describe(),
            "to": self.dst.describe(), "ports": [p.describe_port_protocol() for p in self.ports] or ["any port"],
            "scope": self.scope, "expect": self.expect, "relation": self.relation,
            "file": self.source.file, "line": self.source.line}
        if self.kind == "path":
            out.update(kind="path", max_hops=self.max_hops,
                       only_through=self.only_through.describe() if self.only_through else None)
        return out


def parse_port(text: str) -> PortSelection:
    """`443/TCP`, `53/UDP`, `8000-8080/TCP`, `http/TCP`, `443` (TCP), `UDP` (every UDP port)."""
    m = _PORT.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not PORT/PROTOCOL")
    port, proto = m.group("port"), (m.group("proto") or "").upper()
    if proto and proto not in PROTOCOLS:
        raise ValueError(f"unknown protocol {m.group('proto')!r}; use TCP, UDP or SCTP")
    if not proto and port.upper() in PROTOCOLS:
        return PortSelection(port.upper())
    proto = proto or "TCP"
    lo, sep, hi = port.partition("-")
    if ascii_digits(lo) and (not sep or ascii_digits(hi)):
        first, last = int(lo), int(hi) if sep else int(lo)
        if not 1 <= first <= last <= 65535:
            raise ValueError(f"port range {port!r} must lie within 1-65535, low to high")
        return PortSelection.of_range(proto, first, last)
    problem = port_name_problem(port)
    if problem:
        raise ValueError(f"{port!r} is neither a port number, a range nor a valid port name: {problem}")
    return PortSelection.named_port(proto, port)


def load_assertions(paths: tuple[str, ...] | list[str]) -> list[Assertion]:
    """Read assertion files and directories; raise InputError with every located problem."""
    diagnostics: list[Diagnostic] = []
    out: list[Assertion] = []
    files = list(discover(paths, diagnostics))
    for path in files:
        try:
            with open(path, "rb") as handle:
                for doc in iter_documents(handle):
                    out.extend(_document(doc.data, path, doc.line, diagnostics))
        except YAMLInputError as exc:
            diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(path, exc.line), exc.message, exc.hint))
        except OSError as exc:
            diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(path), f"cannot read file: {exc.strerror}"))
    _check_unique(out, diagnostics)
    if not out and not diagnostics:
        diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(", ".join(paths)), "no assertions found",
                                      f"write a YAML file with apiVersion: {API_VERSION}, kind: {KIND}"))
    if diagnostics:
        raise InputError(diagnostics)
    return out


def _check_unique(assertions: list[Assertion], diagnostics: list[Diagnostic]) -> None:
    seen: dict[str, Assertion] = {}
    for a in assertions:
        first = seen.setdefault(a.name, a)
        if first is not a:
            diagnostics.append(Diagnostic(Severity.ERROR, a.source, f"duplicate assertion name {a.name!r} "
                                          f"(first at {first.source})", "give every assertion its own name"))


def _unknown_keys(raw: dict[str, Any], known: tuple[str, ...], path: str, f: Fields) -> None:
    for key in raw:
        if key not in known:
            close = get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(known)}"
            f.error(line_of(raw, key), f"{path}{key}", "unknown field", hint)


def _document(data: Any, file: str, line: int, diagnostics: list[Diagnostic]) -> list[Assertion]:
    f = Fields(file, "", diagnostics)
    if not isinstance(data, dict):
        f.error(line, "document", "must be a mapping with apiVersion, kind and assertions")
        return []
    line = getattr(data, "line", line) or line
    kind, version = data.get("kind"), data.get("apiVersion")
    if kind != KIND:
        f.error(line_of(data, "kind") or line, "kind", f"expected kind: {KIND}, found {kind!r}",
                "an assertions file holds `kind: Assertions` documents only")
        return []
    if version != API_VERSION:
        f.error(line_of(data, "apiVersion") or line, "apiVersion", f"unsupported apiVersion {version!r}",
                f"use apiVersion: {API_VERSION}")
        return []
    _unknown_keys(data, _TOP_KEYS, "", f)
    items = f.list(data, "assertions", "assertions")
    if items is None:
        f.error(line, "assertions", "is required", "list the assertions under `assertions:`")
        return []
    out = []
    for i, raw in enumerate(items):
        assertion = _assertion(raw, file, line_of(items, i), f"assertions[{i}]", diagnostics)
        if assertion is not None:
            out.append(assertion)
    return out


def _assertion(raw: Any, file: str, line: int, path: str, diagnostics: list[Diagnostic]) -> Assertion | None:
    name_text = raw.get("name") if isinstance(raw, dict) else None
    f = Fields(file, f"assertion {name_text}" if isinstance(name_text, str) else "", diagnostics)
    if not isinstance(raw, dict):
        f.error(line, path, "must be a mapping with name, from, to and expect")
        return None
    line = getattr(raw, "line", line) or line
    _unknown_keys(raw, _ASSERTION_KEYS, f"{path}.", f)
    name = f.str(raw, "name", f"{path}.name", required=True)
    name = printable(name) if name is not None else None  # shown in every report: never raw
    description = printable(f.str(raw, "description", f"{path}.description") or "")
    expect = _choice(raw, "expect", f"{path}.expect", EXPECTATIONS, f, required=True)
    scope = _choice(raw, "scope", f"{path}.scope", SCOPES, f) or "inventory"
    relation = _choice(raw, "relation", f"{path}.relation", RELATIONS, f)
    src = _endpoint(raw, "from", f"{path}.from", f)
    dst = _endpoint(raw, "to", f"{path}.to", f)
    ports = _ports(raw, f"{path}.ports", f)
    kind = _choice(raw, "kind", f"{path}.kind", KINDS, f) or "connection"
    max_hops, through = _path_fields(raw, path, kind, expect, scope, relation, src, dst, f)
    if f.failed or name is None or expect is None or src is None or dst is None or ports is None:
        return None
    return Assertion(name, src, dst, expect, scope, ports, relation, description, f.ref(line),
                     f.ref(line_of(raw, "from")), f.ref(line_of(raw, "to")), kind, max_hops, through)


def _path_fields(raw: Any, path: str, kind: str, expect: str | None, scope: str, relation: str | None,
                 src: EndpointSpec | None, dst: EndpointSpec | None,
                 f: Fields) -> tuple[int | None, EndpointSpec | None]:
    """maxHops and onlyThrough, and the rules that tie the path fields to `kind: path`."""
    path_only = [key for key in ("maxHops", "onlyThrough") if key in raw]
    if kind != "path":
        for key in path_only:
            f.error(line_of(raw, key), f"{path}.{key}", "applies to path assertions only", "add `kind: path`")
        if src is not None and src.text == INTERNET:
            f.error(line_of(raw, "from"), f"{path}.from", "'internet' is a path source",
                    "add `kind: path` for paths from the internet, or write a CIDR (0.0.0.0/0) for one connection")
        return None, None
    max_hops = f.int(raw, "maxHops", f"{path}.maxHops", 1, 1_000_000)
    through = _endpoint(raw, "onlyThrough", f"{path}.onlyThrough", f) if "onlyThrough" in raw else None
    if expect is not None and expect not in PATH_EXPECTATIONS:
        f.error(line_of(raw, "expect"), f"{path}.expect", f"a path assertion expects deny or reachable, not {expect!r}",
                "deny: no path (that avoids onlyThrough); reachable: some path")
    if relation is not None:
        f.error(line_of(raw, "relation"), f"{path}.relation", "does not apply to path assertions",
                "name the namespaces in `from` and `to` instead")
    if scope == "any" and (expect == "reachable" or through is not None):
        f.error(line_of(raw, "scope"), f"{path}.scope", "scope any proves one hop: only `expect: deny` without "
                "onlyThrough can be proved for pods that could exist", "use scope: inventory")
    for key, spec in (("to", dst), ("onlyThrough", through)):
        if spec is not None and (spec.only_addresses or spec.text == INTERNET or _is_cidr(spec.text)):
            f.error(line_of(raw, key), f"{path}.{key}", "a path ends at and passes through loaded endpoints, "
                    "not addresses outside the cluster", "name endpoints: ns/name, ns/Kind/name or NS/SELECTOR")
    return max_hops, through


def _is_cidr(text: str | None) -> bool:
    if text is None or "/" not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _choice(raw: Any, key: str, path: str, choices: tuple[str, ...], f: Fields, required: bool = False) -> str | None:
    value = f.str(raw, key, path, required=required)
    if value is not None and value not in choices:
        f.error(line_of(raw, key), path, f"{value!r} is not one of {', '.join(choices)}")
        return None
    return value


def _ports(raw: Any, path: str, f: Fields) -> tuple[PortSelection, ...] | None:
    items = f.list(raw, "ports", path)
    if items is None:
        return None if "ports" in raw else ()
    if not items:
        f.error(line_of(raw, "ports"), path, "is empty", "omit `ports` to mean every port and protocol")
        return None
    out = []
    for i, item in enumerate(items):
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str):
            f.error(line_of(items, i), f"{path}[{i}]", "must be a string such as \"443/TCP\"")
            continue
        try:
            out.append(parse_port(item))
        except ValueError as exc:
            f.error(line_of(items, i), f"{path}[{i}]", str(exc),
                    "write PORT/PROTOCOL: 443/TCP, 8000-8080/TCP, http/TCP, or a protocol alone (UDP)")
    return tuple(out)


def _endpoint(raw: Any, key: str, path: str, f: Fields) -> EndpointSpec | None:
    value = raw.get(key)
    line = line_of(raw, key)
    if value is None:
        f.error(line, path, "is required", "an endpoint expression: ns/name, ns/Kind/name, NS/SELECTOR or a mapping")
        return None
    if isinstance(value, str):
        if not value.strip():
            f.error(line, path, "is empty")
            return None
        return EndpointSpec(text=value.strip())
    if not isinstance(value, dict):
        f.error(line, path, "must be an endpoint expression string or a mapping")
        return None
    _unknown_keys(value, _ENDPOINT_KEYS, f"{path}.", f)
    namespace = f.str(value, "namespace", f"{path}.namespace")
    if namespace is not None and not is_dns_label(namespace):
        f.error(line_of(value, "namespace"), f"{path}.namespace", f"{namespace!r} is not a namespace name")
    labels = freeze_labels(f.labels(value, "labels", f"{path}.labels")) if "labels" in value else None
    cidr, excepts = _cidr(value, path, f)
    return EndpointSpec(None, namespace, _selector(value, "namespaceSelector", f"{path}.namespaceSelector", f),
                        _selector(value, "podSelector", f"{path}.podSelector", f), labels, cidr, excepts)


def _cidr(raw: Any, path: str, f: Fields) -> tuple[str | None, tuple[str, ...]]:
    """`cidr` and `except`, validated like an ipBlock (each except inside the cidr)."""
    cidr = f.str(raw, "cidr", f"{path}.cidr")
    items = f.list(raw, "except", f"{path}.except") or []
    if cidr is None:
        if items:
            f.error(line_of(raw, "except"), f"{path}.except", "needs a cidr", "add `cidr:` to carve addresses out of")
        return None, ()
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        f.error(line_of(raw, "cidr"), f"{path}.cidr", f"{cidr!r} is not a valid CIDR", "e.g. 0.0.0.0/0 or ::/0")
        return None, ()
    excepts = []
    for i, item in enumerate(items):
        try:
            sub = ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            f.error(line_of(items, i), f"{path}.except[{i}]", f"{item!r} is not a valid CIDR")
            continue
        if sub.version != net.version or not sub.subnet_of(net):  # type: ignore[arg-type]
            f.error(line_of(items, i), f"{path}.except[{i}]", f"{item} is not inside cidr {cidr}")
            continue
        excepts.append(str(item))
    return cidr, tuple(excepts)


def _selector(raw: Any, key: str, path: str, f: Fields) -> LabelSelector | None:
    value = raw.get(key)
    if isinstance(value, str):
        try:
            return parse_selector(value)
        except SelectorSyntaxError as exc:
            f.error(line_of(raw, key), path, str(exc), "use kubectl syntax (a=b,c!=d,e in (x,y),f,!g) or a mapping")
            return None
    return convert_selector(raw, key, path, f)
