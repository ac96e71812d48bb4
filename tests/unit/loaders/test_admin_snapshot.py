"""`netverify snapshot` keeps the admin kinds and Nodes: loading the snapshot gives equal objects."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.loaders.snapshot import write_snapshot
from netverify.model import without_sources

NPA = Path(__file__).resolve().parents[3] / "fixtures" / "conformance" / "network-policy-api"
CASES = [p for v in ("v1alpha1", "v1alpha2") for p in sorted((NPA / v).rglob("*.yaml")) if p.name != "topology.yaml"]


@pytest.mark.parametrize("manifest", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_a_snapshot_loads_back_to_the_same_admin_policies_and_nodes(tmp_path: Path, manifest: Path) -> None:
    original = load_paths([str(manifest.parent.parent / "topology.yaml"), str(manifest)]).cluster
    out = io.StringIO()
    write_snapshot(original, out, "test")
    path = tmp_path / "snapshot.yaml"
    path.write_text(out.getvalue())
    result = load_paths([str(path)])
    assert result.errors == []
    again = result.cluster
    assert original.admin_policies and original.nodes
    assert without_sources(again.admin_policies) == without_sources(original.admin_policies)
    assert without_sources(again.nodes) == without_sources(original.nodes)
    assert without_sources(again.policies) == without_sources(original.policies)
