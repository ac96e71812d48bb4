"""Plain YAML scalars read as kubectl and the API server read them.

kubectl and the API server turn YAML into JSON with sigs.k8s.io/yaml, whose `yamlToJSON` unmarshals into
`interface{}` with go-yaml v2 (sigs.k8s.io/yaml@v1.3.0 yaml.go:94-106: `yaml.Unmarshal(y, &yamlObj)` then
`convertToJSONableObject`). go-yaml v2 resolves plain scalars with its own table, which is neither
PyYAML's YAML 1.1 resolver nor YAML 1.2's core schema (go-yaml/yaml@v2.4.0 resolve.go):

- booleans: y Y yes Yes YES true True TRUE on On ON, and n N no No NO false False FALSE off Off OFF
  (resolve.go:37-42). PyYAML does not read `y`/`n` as booleans; kubectl does (so `x: y` is `true`).
- null: empty, `~`, null Null NULL (resolve.go:43); `.nan`/`.inf` forms (resolve.go:44-47); `<<` merge (48).
- no YAML 1.1 `value` tag: a bare `=` is the string "=" (prometheus-operator CRDs: `enum: ['!=', =, =~]`).
- no base-60 numbers (resolve.go:124-126): `port: 1:20` is the string "1:20", never 80.
- integers: underscores removed, then Go's `strconv.ParseInt(s, 0, 64)` (resolve.go:150-162): `0x1F`, `0o17`
  (Go >= 1.13), `0b101`, and a leading 0 is octal (`0777` = 511); `08` is no octal, so it falls through
  to the float pattern and reads as 8.0 (resolve.go:163-167).
- floats: `^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (resolve.go:84), so `1e3` is 1000.0.
- timestamps: an unquoted `2024-01-02` resolves to a timestamp, but decoded into `interface{}` it is kept
  as the original string "for backward compatibility" (decode.go:471-480): kubectl keeps it a string.
- mapping keys: JSON has only string keys; ints, floats and booleans become their text (sigs.k8s.io/yaml
  yaml.go:140-186: `strconv.Itoa`, `FormatFloat(f, 'g', -1, 32)`, "true"/"false"); a null key is refused
  ("Unsupported map key").

Only plain (unquoted, untagged) scalars go through `resolve_plain`; quoted ones are strings, and explicitly
tagged ones (`!!int "3"`) are left to PyYAML's safe constructors.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
# Go's ParseInt/ParseUint with base 0: an optional sign, then 0x / 0o / 0b, a leading 0 (octal), or decimal.
_GO_INT = re.compile(r"([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))\Z")
_INT64_MIN, _UINT64_MAX = -(1 << 63), (1 << 64) - 1
# go-yaml's first-character table (resolve.go:20-30): only these may start a non-string.
_NUMBER_START = frozenset("+-0123456789")
MERGE = object()  # the `<<` merge key


def resolve_plain(text: str) -> Any:
    """The value of a plain scalar as go-yaml v2 decodes it into `interface{}` (see the module doc)."""
    if not text:
        return None
    first = text[0]
    if first in "yYnNtTfFoO~":
        if text in _BOOLS:
            return _BOOLS[text]
        return None if text in _NULLS else text
    if text == "<<":
        return MERGE
    if first == ".":
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
        return float(text) if _GO_FLOAT.match(text) else text
    if first not in _NUMBER_START:
        return text
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    plain = text.replace("_", "")
    number = _go_int(plain)
    if number is not None:
        return number
    if _GO_FLOAT.match(plain):
        return float(plain)
    return text  # includes dates and times: kept as written (decode.go:471-480)


def _go_int(text: str) -> int | None:
    match = _GO_INT.match(text)
    if match is None:
        return None
    sign, hexa, octal, binary, leading_zero, decimal = match.groups()
    if hexa is not None:
        value = int(hexa, 16)
    elif octal is not None:
        value = int(octal, 8)
    elif binary is not None:
        value = int(binary, 2)
    elif leading_zero is not None:
        value = int(leading_zero, 8)
    else:
        value = int(decimal)
    value = -value if sign == "-" else value
    # ParseInt takes int64, then ParseUint uint64 (a sign is not allowed there); beyond that go-yaml
    # tries the float pattern, which matches plain decimal digits only.
    if _INT64_MIN <= value <= _UINT64_MAX and not (value > (1 << 63) - 1 and sign):
        return value
    return None


def json_key(value: Any) -> str | None:
    """A resolved mapping key as the JSON object key kubectl sends; None for a null key (refused)."""
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float32_text(value)
    return str(value)


def _go_float32_text(value: float) -> str:
    """Go's strconv.FormatFloat(value, 'g', -1, 32): the shortest digits that read back as the same float32."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    f32 = _float32(value)
    if f32 == 0:
        return "0"
    candidate, digits = f"{f32:.8e}", 9
    for digits in range(1, 10):
        candidate = f"{f32:.{digits - 1}e}"
        if _float32(float(candidate)) == f32:
            break
    mantissa, exponent_text = candidate.split("e")
    exponent = int(exponent_text)
    if exponent < -4 or exponent >= 6:  # Go's %g switch for the shortest form (eprec = 6)
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        return f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return f"{f32:.{max(digits - 1 - exponent, 0)}f}"


def _float32(value: float) -> float:
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.inf if value > 0 else -math.inf
