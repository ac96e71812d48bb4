"""Errors that point the way: what the user probably meant, for endpoints, port names and argument order.

Only the CLI knows how a name was typed and what else was on the command line; the queries raise plain
errors, and these helpers add the suggestion (did you mean ..., the names a destination has, --any for a
CIDR, the order of `can`'s arguments).
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Sequence

from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointSet


def misplaced_paths(src: str, dst: str, paths: Sequence[str]) -> str | None:
    """A message when SRC or DST is a file or directory and a PATH is not: `can PATH SRC DST` was typed."""
    missing = [p for p in paths if p != "-" and not os.path.exists(p)]
    for role, value, other in (("SRC", src, dst), ("DST", dst, src)):
        if value != "-" and os.path.exists(value) and (missing or not paths):
            endpoints = [other, *missing] if role == "SRC" else [src, *missing]
            example = " ".join([*endpoints[:2], value])
            return (f"{role} {value!r} is a file or directory: the order is `netverify can SRC DST PATH...`, "
                    f"e.g. netverify can {example}")
    return None


def endpoint_hint(analysis: Analysis, text: str, any_pod: bool = False) -> str:
    """A hint for an endpoint expression that did not resolve: --any for a CIDR, else the closest names."""
    stripped = text.strip()
    if "/" in stripped and _is_cidr(stripped) and not any_pod:
        return (f"{stripped} is a CIDR: it stands for addresses outside the cluster only with --any; without "
                "--any give one IP address (e.g. 8.8.8.8)")
    candidates = _close_endpoints(analysis, stripped)
    if candidates:
        return "did you mean " + " or ".join(candidates) + "?"
    return ""


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _close_endpoints(analysis: Analysis, text: str, limit: int = 3) -> list[str]:
    ids = [e.id for e in analysis.endpoints if not e.external]
    if "/" not in text:  # a short name: the endpoints of that name (or owning a pod of that name) in any namespace
        # NS/NAME resolves a unique pod or workload of that name: the shortest thing to type.
        exact = {f"{e.namespace}/{text}" for e in analysis.endpoints if not e.external
                 and (e.name == text or text in e.pods)}
        if exact:
            return sorted(exact)[:limit]
        names = {e.name: f"{e.namespace}/{e.name}" for e in analysis.endpoints if not e.external}
        return [names[n] for n in difflib.get_close_matches(text, list(names), n=limit, cutoff=0.6)]
    namespace, _, name = text.rpartition("/")
    namespace = namespace.split("/", 1)[0]  # NS/Kind/NAME: the namespace and the name
    in_namespace = {e.name: f"{e.namespace}/{e.name}" for e in analysis.endpoints if e.namespace == namespace}
    close = [in_namespace[n] for n in difflib.get_close_matches(name, list(in_namespace), n=limit, cutoff=0.6)]
    close = close or difflib.get_close_matches(text, ids, n=limit, cutoff=0.6)
    if close:
        return close
    by_name = [e.id for e in analysis.endpoints if not e.external and e.name == name]  # right name, wrong namespace
    return sorted(by_name)[:limit]


def port_name_hint(dst: EndpointSet, name: str) -> str:
    """The port names the destination's containers declare (closest first), for a misspelled --port name."""
    declared = sorted({p.name for e in dst.members for p in e.ports if p.name})
    if not declared:
        return f"{dst.text} declares no named container ports: give a port number"
    close = difflib.get_close_matches(name, declared, n=1, cutoff=0.5)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"{guess}{dst.text} declares the port names {', '.join(declared)}"
