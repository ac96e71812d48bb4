"""Golden outputs of `netverify diff` in every format, on the CI fixture (fixtures/ci base -> head) and
on an egress lockdown with addresses outside the cluster (fixtures/diff-egress), on a change of
ClusterNetworkPolicies (fixtures/diff-admin: an action flipped, a policy added); `--pairs` for the
formats it changes (json, text).

Regenerate after an intended change with NETVERIFY_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "diff"
EXTENSIONS = {"text": "txt", "json": "json", "md": "md", "sarif": "sarif", "junit": "xml"}


def normalized(fmt: str, out: str) -> str:
    if fmt == "sarif":  # the tool version changes with every release
        out = re.sub(r'"(semanticVersion|version)": "\d+\.\d+[^"]*"', r'"\1": "X"', out)
        out = out.replace('"version": "X",\n  "runs"', '"version": "2.1.0",\n  "runs"')
    return out


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
@pytest.mark.parametrize(("name", "args"), [
    ("ci", ["fixtures/ci/base", "fixtures/ci/head"]),
    ("ci-fail-on-added", ["fixtures/ci/base", "fixtures/ci/head", "--fail-on", "added"]),
    ("empty", ["fixtures/ci/base", "fixtures/ci/base"]),
    ("ci-assertions", ["fixtures/ci/base", "fixtures/ci/head", "--assertions", "fixtures/ci/assertions.yaml"]),
    ("egress", ["fixtures/diff-egress/base", "fixtures/diff-egress/head", "--fail-on", "removed"]),
    ("ci-pairs", ["fixtures/ci/base", "fixtures/ci/head", "--pairs"]),
    ("egress-pairs", ["fixtures/diff-egress/base", "fixtures/diff-egress/head", "--pairs"]),
    ("admin", ["fixtures/diff-admin/base", "fixtures/diff-admin/head", "--fail-on", "added"]),
])
def test_diff_matches_golden_output(name: str, args: list[str], fmt: str, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    if "--pairs" in args and fmt not in ("json", "text"):
        pytest.skip("--pairs changes the json and text listings only")
    monkeypatch.chdir(ROOT)  # golden outputs name files relative to the repository
    code = main(["diff", *args, "-f", fmt])
    out = normalized(fmt, capsys.readouterr().out)
    golden = GOLDEN / f"{name}.{EXTENSIONS[fmt]}"
    if os.environ.get("NETVERIFY_UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()
    assert code == (1 if "--fail-on" in args or "--assertions" in args else 0)
