"""Typed, located field access over LocatedMap documents.

A `Fields` context collects every problem of one object instead of stopping at the
first, so a user fixes a manifest in one round. Validation mirrors the API server's
(apimachinery validation for names, labels, selectors and ports).
"""

from __future__ import annotations

import builtins
import functools
import ipaddress
import re
from typing import Any

from netverify.loaders.yamlio import LocatedList, LocatedMap
from netverify.model import ContainerPort, Diagnostic, OwnerRef, Severity, SourceRef
from netverify.model.source import quoted

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_KIND = re.compile(r"^[A-Z][A-Za-z0-9]{0,62}$")
PROTOCOLS = ("TCP", "UDP", "SCTP")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# Exactly the IPv4 texts that str(ipaddress.ip_address(text)) returns unchanged (no leading zeros).
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}\Z")

# What to do about each kind of problem (every located error says how to fix it).
HINT_MAPPING = "write it as `key: value` lines (or {key: value})"
HINT_NUMBER = "write a whole number without quotes, e.g. 8080"
HINT_PORT = "write a port number (e.g. 8080) or the name of a container port (e.g. http)"
HINT_PORT_NAME = "a port name is 1-15 lowercase letters, digits and '-', with a letter, e.g. http or metrics"
HINT_LABEL_KEY = ("a label key is an optional lowercase DNS prefix and '/', then a name of 1-63 letters, digits, "
                  "'-', '_', '.', starting and ending alphanumeric: e.g. app or example.com/team")
HINT_LABEL_VALUE = "a label value is empty or 1-63 letters, digits, '-', '_', '.', starting and ending alphanumeric"
HINT_IP = "write one IPv4 or IPv6 address, e.g. 10.0.0.1 or fd00::1"
HINT_CIDR = "write an address and prefix length, e.g. 10.0.0.0/16 or 2001:db8::/32"
HINT_DNS_LABEL = "use lowercase letters, digits and '-', starting and ending with a letter or digit (at most 63)"
HINT_DNS_SUBDOMAIN = "use lowercase letters, digits, '-' and '.', starting and ending alphanumeric (at most 253)"


def is_dns_label(text: str) -> bool:
    return len(text) <= 63 and bool(_DNS_LABEL.match(text))


MAX_MESSAGE = 1000


def bounded(text: builtins.str, limit: builtins.int = MAX_MESSAGE) -> builtins.str:
    """At most `limit` characters of a message (paths hold keys from the input, which may be long)."""
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text):,} characters)"


def line_of(container: Any, key: Any) -> int:
    if isinstance(container, (LocatedMap, LocatedList)):
        return container.line_of(key)
    return 0


# Label keys and values repeat across thousands of objects (app, tier, team...): each distinct text is
# checked once. Pure functions of their argument, bounded caches.
@functools.lru_cache(maxsize=8192)
def label_key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if "/" in prefix:
        return "a label key has at most one '/'"
    if slash and not prefix:
        return "a '/' must follow a prefix (write `app`, or `example.com/app`)"
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return f"the prefix {quoted(prefix)} must be a DNS subdomain (lowercase, digits, '-', '.')"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return "the name part must be 1-63 characters: letters, digits, '-', '_', '.', starting and ending alphanumeric"
    return None


@functools.lru_cache(maxsize=8192)
def label_value_problem(value: str) -> str | None:
    if value == "":
        return None
    if len(value) > 63 or not _LABEL_NAME.match(value):
        return ("a label value must be empty or 1-63 characters: letters, digits, '-', '_', '.', "
                "alphanumeric at both ends")
    return None


@functools.lru_cache(maxsize=8192)
def port_name_problem(name: str) -> str | None:
    if len(name) > 15:
        return "a port name has at most 15 characters"
    if not _IANA_SVC_NAME.match(name) or "--" in name:
        return "a port name is lowercase letters, digits and single '-', not at either end"
    if not any(c.isalpha() for c in name):
        return "a port name must contain at least one letter (a number must be written without quotes)"
    return None


# --- the common case, read without field paths or lines: most entries of a big inventory are valid as written,
# and building the path and looking up the line of every field read costs more than checking it. Each function
# returns None when anything is out of the ordinary; the caller then reads the entry the reporting way.

@functools.lru_cache(maxsize=4096)
def _container_port(number: builtins.int, protocol: builtins.str, name: builtins.str | None) -> ContainerPort:
    return ContainerPort(number, protocol, name)  # equal ports are one (frozen) object


def plain_container_port(entry: dict[Any, Any]) -> ContainerPort | None:
    """A container's `ports` entry whose containerPort, protocol and name are all valid as written."""
    number, protocol, name = entry.get("containerPort"), entry.get("protocol"), entry.get("name")
    if type(number) is not int or not 1 <= number <= 65535:
        return None
    if protocol is None:
        protocol = "TCP"
    elif type(protocol) is not str or protocol not in PROTOCOLS:
        return None
    if name is not None and (type(name) is not str or port_name_problem(name) is not None):
        return None
    return _container_port(number, protocol, name)


@functools.lru_cache(maxsize=4096)
def plain_owner(kind: builtins.str, name: builtins.str) -> OwnerRef | None:
    """The owner a controller reference names, when it can exist (a Kind and a DNS subdomain name)."""
    if not _KIND.match(kind) or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        return None
    return OwnerRef(kind, name)


def plain_ip(value: Any) -> builtins.str | None:
    """An address already written as `ipaddress` writes it (most pod IPs)."""
    return value if type(value) is str and _CANONICAL_IPV4.match(value) else None


class Fields:
    """Reads fields of one object, recording located errors in `diagnostics`."""

    def __init__(self, file: builtins.str, obj: builtins.str, diagnostics: builtins.list[Diagnostic],
                 line: builtins.int = 0) -> None:
        self.file = file
        self.obj = obj
        self.diagnostics = diagnostics
        self.line = line  # the document's first line: the fallback when a field has no line of its own
        self.failed = False

    def error(self, line: builtins.int, path: builtins.str, message: builtins.str, hint: builtins.str = "") -> None:
        self.failed = True
        self.diagnostics.append(
            Diagnostic(Severity.ERROR, self.ref(line), bounded(f"{bounded(path, 200)}: {message}"), hint, self.obj)
        )

    def warn(self, line: builtins.int, message: builtins.str, hint: builtins.str = "") -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, self.ref(line), message, hint, self.obj))

    def ref(self, line: builtins.int = 0) -> SourceRef:
        return SourceRef(self.file, line or self.line)

    # --- typed getters: each returns None (and records an error) when the type is wrong

    def map(self, parent: Any, key: builtins.str, path: builtins.str,
            required: builtins.bool = False) -> LocatedMap | None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            if required:
                self.error(line_of(parent, key), path, "is required", _required_hint(path))
            return None
        if not isinstance(value, dict):
            self.error(line_of(parent, key), path, f"must be a mapping, not {type_name(value)}", HINT_MAPPING)
            return None
        return value  # type: ignore[return-value]

    def list(self, parent: Any, key: builtins.str, path: builtins.str) -> builtins.list[Any] | None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(line_of(parent, key), path, f"must be a list, not {type_name(value)}",
                       "write it as a YAML list ('- ...')")
            return None
        return value

    def str(self, parent: Any, key: builtins.str, path: builtins.str,
            required: builtins.bool = False) -> builtins.str | None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            if required:
                self.error(line_of(parent, key), path, "is required", _required_hint(path))
            return None
        if not isinstance(value, str):
            self.error(line_of(parent, key), path, f"must be a string, not {type_name(value)}", "quote the value")
            return None
        return value

    def bool(self, parent: Any, key: builtins.str, path: builtins.str) -> builtins.bool | None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error(line_of(parent, key), path, f"must be true or false, not {quoted(value)}",
                       "write true or false without quotes")
            return None
        return value

    def int(self, parent: Any, key: builtins.str, path: builtins.str, lo: builtins.int, hi: builtins.int,
            required: builtins.bool = False) -> builtins.int | None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            if required:
                self.error(line_of(parent, key), path, "is required", _required_hint(path))
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(line_of(parent, key), path, f"must be a whole number, not {quoted(value)}", HINT_NUMBER)
            return None
        if not lo <= value <= hi:
            self.error(line_of(parent, key), path, f"{quoted(value)} is out of range {lo}-{hi}",
                       f"use a value between {lo} and {hi}")
            return None
        return value

    def port_number(self, parent: Any, key: builtins.str, path: builtins.str,
                    required: builtins.bool = False) -> builtins.int | None:
        return self.int(parent, key, path, 1, 65535, required)

    def int_or_port_name(self, parent: Any, key: builtins.str,
                         path: builtins.str) -> builtins.int | builtins.str | None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            return None
        line = line_of(parent, key)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.error(line, path, f"must be a port number or a port name, not {type_name(value)}", HINT_PORT)
            return None
        if isinstance(value, int):
            if not 1 <= value <= 65535:
                self.error(line, path, f"port {value} is out of range 1-65535", "use a port between 1 and 65535")
                return None
            return value
        problem = port_name_problem(value)
        if problem:
            self.error(line, path, f"{quoted(value)} is neither a port number nor a valid port name: {problem}",
                       HINT_PORT_NAME)
            return None
        return value

    def protocol(self, parent: Any, key: builtins.str, path: builtins.str) -> builtins.str:
        value = self.str(parent, key, path)
        if value is None:
            return "TCP"
        if value not in PROTOCOLS:
            hint = f"use {value.upper()}" if value.upper() in PROTOCOLS else "NetworkPolicy supports TCP, UDP and SCTP"
            self.error(line_of(parent, key), path, f"unsupported protocol {quoted(value)}", hint)
            return "TCP"
        return value

    def labels(self, parent: Any, key: builtins.str, path: builtins.str) -> dict[builtins.str, builtins.str]:
        raw = self.map(parent, key, path)
        out: dict[str, str] = {}
        if raw is None:
            return out
        for k, v in raw.items():
            # The common case, a valid string key and value, looks up no line (only an error cites one).
            if type(k) is str and type(v) is str and label_key_problem(k) is None and label_value_problem(v) is None:
                out[k] = v
                continue
            line = line_of(raw, k)
            if not isinstance(k, str):
                self.error(line, f"{path}", f"label key {quoted(k)} must be a string", "quote the key")
                continue
            problem = label_key_problem(k)
            if problem:
                self.error(line, f"{path}.{k}", f"invalid label key: {problem}", HINT_LABEL_KEY)
                continue
            if not isinstance(v, str):
                shown = "null" if v is None else repr(v)
                # A float's text is lost (1e5 reads as 100000.0): ask for the value as it was written.
                hint = (f'quote it as written: {k}: "..." (unquoted, YAML reads it as the number {quoted(v)})'
                        if isinstance(v, float) else
                        f'quote it as written, e.g. {k}: "{_plain(v)}" (unquoted, kubectl reads y, yes and on as '
                        'true, n, no and off as false)' if isinstance(v, bool)
                        else f'quote it: {k}: "{bounded(_plain(v), 80)}"')
                self.error(line, f"{path}.{k}", f"label value {shown} must be a string", hint)
                continue
            problem = label_value_problem(v)
            if problem:
                self.error(line, f"{path}.{k}", f"invalid label value {quoted(v)}: {problem}", HINT_LABEL_VALUE)
                continue
            out[k] = v
        return out

    def ip(self, value: Any, line: builtins.int, path: builtins.str) -> builtins.str | None:
        if not isinstance(value, str):
            self.error(line, path, f"must be an IP address string, not {type_name(value)}", HINT_IP)
            return None
        if _CANONICAL_IPV4.match(value):  # already as ipaddress writes it (most pod IPs): no object built
            return value
        try:
            if "%" in value:  # Python reads IPv6 zones (fe80::1%eth0); the API server does not
                raise ValueError(value)
            return str(ipaddress.ip_address(value))
        except ValueError:
            self.error(line, path, f"{quoted(value)} is not a valid IP address", HINT_IP)
            return None

    def name(self, meta: Any, path: builtins.str, dns_label: builtins.bool = False) -> builtins.str | None:
        value = self.str(meta, "name", path, required=True)
        if value is None:
            return None
        pattern, limit = (_DNS_LABEL, 63) if dns_label else (_DNS_SUBDOMAIN, 253)
        if len(value) > limit or not pattern.match(value):
            what = "a DNS label (lowercase letters, digits, '-'; at most 63)" if dns_label else "a DNS subdomain name"
            self.error(line_of(meta, "name"), path, f"{quoted(value)} is not {what}",
                       HINT_DNS_LABEL if dns_label else HINT_DNS_SUBDOMAIN)
            return None
        return value


def _required_hint(path: builtins.str) -> builtins.str:
    parent, _, leaf = path.rpartition(".")
    return f"add `{leaf}:` under `{parent}`" if parent else f"add `{leaf}:` to the object"


def _plain(value: Any) -> builtins.str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def type_name(value: Any) -> builtins.str:
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (dict, "a mapping"), (list, "a list"), (str, "a string"),
                       ((int, float), "a number")):
        if isinstance(value, kind):
            return name
    return type(value).__name__
