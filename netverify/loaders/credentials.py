"""Credentials are never shown: everything netverify prints passes through a `Redactor`.

The cluster reader registers every credential it hands to the `kubernetes` client (the kubeconfig user's
token, token file, password, client key, auth-provider tokens, an exec plugin's token) and the CLI writes
stdout, stderr, log records and `--debug` tracebacks through `Redactor.redact`. Credentials netverify
never saw are caught by their shape: `Authorization:` header values, `Bearer`/`Basic` credentials, the
user-info part of URLs (`https://user:password@host`) and token-like query parameters. An API server that
echoes the request's Authorization header in an error body is thereby shown without it.

Invariant: `redact(text)` contains no registered secret, in any of the forms registered (raw, trimmed,
base64), and no value of a credential-shaped field; text without either is returned unchanged.
"""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Iterable
from typing import Any, TextIO

REDACTED = "<redacted>"
_MIN_SECRET = 4  # shorter values would redact ordinary words; no credential is this short
_TOKEN_WORDS = (r"(?:access_token|id_token|id-token|refresh_token|refresh-token|token|password|client-secret|"
                r"client_secret|apikey|api_key)")
_SHAPES = (
    # Authorization: Bearer xyz  /  'authorization': 'Bearer xyz'  /  "Authorization":["Basic xyz"]
    re.compile(r"""(?i)(\bauthorization\b["']?\s*[:=]\s*[\["']*\s*)(?:(?:bearer|basic|negotiate|digest)\s+)?"""
               r"""[^\s"',\]]+"""),
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9\-._~+/=]{8,}"),
    # user-info of a URL: scheme://user:password@host
    re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://)[^/\s@?#]+(?=@)"),
    # token-like query parameters (token=...) and quoted fields ("token": "...", 'password': '...')
    re.compile(r"(?i)(\b" + _TOKEN_WORDS + r"=)[^\s&\"',;}]+"),
    re.compile(r"(?i)(\b" + _TOKEN_WORDS + r"[\"']\s*:\s*[\"'])[^\"']+"),
)
# Fields of a kubeconfig `user` entry that hold credentials (or the path of a file that does).
SECRET_FIELDS = frozenset({"token", "password", "client-key-data", "id-token", "refresh-token", "client-secret",
                           "access-token", "secret", "apiKey", "api-key"})
SECRET_FILE_FIELDS = frozenset({"tokenFile", "client-key"})


class Redactor:
    """Known secrets and credential shapes, removed from any text before it is shown."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: Any) -> None:
        """Register a credential: its raw, trimmed and base64 forms (and each line of a multi-line one)."""
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8", errors="replace")
        if not isinstance(secret, str):
            return
        # Trimmed as kubectl trims (Unicode whitespace), and also with only line breaks cut, since a value
        # may end in a character str.strip() removes too (U+0085) and be shown (or encoded) that way.
        forms = {secret, secret.strip(), secret.rstrip("\r\n"), *(line.strip() for line in secret.splitlines()),
                 *secret.split("\n")}
        for form in list(forms):
            if form.lower().startswith(("bearer ", "basic ")):
                forms.add(form.split(None, 1)[1].strip())
        for form in list(forms):
            forms.add(base64.b64encode(form.encode("utf-8", errors="replace")).decode("ascii"))
        before = len(self._secrets)
        self._secrets.update(f for f in forms if len(f) >= _MIN_SECRET and not f.startswith("-----"))
        if len(self._secrets) != before:
            self._pattern = None

    def add_all(self, secrets: Iterable[Any]) -> None:
        for secret in secrets:
            self.add(secret)

    def redact(self, text: str, shapes: bool = True) -> str:
        """`text` without registered secrets and (with `shapes`) without credential-shaped values.

        Shapes are for diagnostics and tracebacks; a report on stdout is only cleared of known secrets
        (a label value such as `token=abc` is data there, not a credential)."""
        if self._secrets:
            text = self._compiled().sub(REDACTED, text)
        if shapes:
            for shape in _SHAPES:
                text = shape.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            # Longest first, so that a secret containing another is removed whole.
            alternatives = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, alternatives)))
        return self._pattern


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whatever is written to it before passing it on (stdout, stderr), and
    passes on at most `limit` characters in all (then one line saying the rest was cut)."""

    def __init__(self, target: TextIO, redactor: Redactor, shapes: bool = True, limit: int | None = None) -> None:
        super().__init__()
        self.target = target
        self.redactor = redactor
        self.shapes = shapes
        self.room = limit
        self.cut = 0

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # a text stream (click probes with bytes to tell binary streams apart)
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        shown = self.redactor.redact(text, self.shapes)
        if self.room is not None:
            if len(shown) > self.room:
                self.cut += len(shown) - self.room
                shown = shown[: self.room]
            self.room -= len(shown)
        if shown:
            self.target.write(shown)
        return len(text)

    def close_note(self) -> str:
        """What to say at the end when output was cut ("" when nothing was)."""
        return (f"\nnetverify: {self.cut:,} more characters of messages were not shown (the limit is reached); "
                "fix the errors above first\n") if self.cut else ""

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.target, "encoding", "utf-8"))

    @property
    def buffer(self) -> Any:
        """The raw bytes below (what is written there bypasses redaction: only for output netverify builds)."""
        return getattr(self.target, "buffer", None)


def kubeconfig_secrets(config: Any, base: str = "") -> list[str]:
    """Every credential in a parsed kubeconfig: values of secret fields under `users`, at any depth
    (auth-provider configs, exec env values), and the contents of the files that hold them."""
    found: list[str] = []
    users = config.get("users") if isinstance(config, dict) else None
    stack: list[Any] = [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif key in SECRET_FIELDS and isinstance(value, str):
                found.extend([value, *_decoded(value)] if key.endswith("-data") else [value])
            elif key in SECRET_FILE_FIELDS and isinstance(value, str):
                found.extend(_file_text(os.path.join(base, os.path.expanduser(value))))
        if node.get("name") and isinstance(node.get("value"), str) and _secret_name(str(node["name"])):
            found.append(node["value"])  # an exec plugin's env entry such as {name: AWS_SECRET, value: ...}
    return found


def _decoded(value: str) -> list[str]:
    try:
        return [base64.b64decode(value, validate=False).decode("utf-8", errors="replace")]
    except ValueError:
        return []


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in ("token", "secret", "password", "key", "credential"))


def _file_text(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return [handle.read(1 << 20)]
    except OSError:
        return []
