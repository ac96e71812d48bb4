"""The CI example of docs/ci.md (also the README's "Use in CI"), run as written from this checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = "/tmp/shop-demo"


def example() -> tuple[list[str], str]:
    text = (ROOT / "docs" / "ci.md").read_text()
    block = re.search(r"<!-- ci-example.*?-->\n```console\n(.*?)```", text, flags=re.S)
    assert block, "docs/ci.md lost its ci-example block"
    commands, output = [], []
    for line in block.group(1).splitlines(keepends=True):
        if line.startswith("$ "):
            commands.append(line[2:].strip())
        else:
            output.append(line)
    return commands, "".join(output)


def test_the_ci_example_prints_what_the_docs_show(tmp_path: Path) -> None:
    commands, expected = example()
    where = str(tmp_path / "shop-demo")
    script = "set -e\n" + "\n".join(c.replace(DEMO_DIR, where) for c in commands[:-1])
    script += "\nset +e\n" + commands[-1] + "\necho \"exit=$?\" >&2\n"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.stdout.replace(where, DEMO_DIR) == expected, proc.stderr
    assert "exit=1" in proc.stderr  # --fail-on added: the change adds a connection
    assert "+ rule shop/api-ingress ingress[1] now admits TCP:9090" in expected  # the docs say what matters
    assert "monitoring/Deployment/prometheus -> shop/Deployment/api: TCP:9090" in expected
    assert "- rule payments/ledger-ingress ingress[0] no longer admits TCP:5432" in expected
    assert "shop/Deployment/web -> payments/StatefulSet/ledger: TCP:5432" in expected
