"""`Cluster.policy_count` counts the policies of every kind (every field of `model.POLICY_FIELDS`): what the
"compiling N policies" progress line shows, with no kind named outside the model."""

from __future__ import annotations

from pathlib import Path

from netverify.loaders.manifests import load_paths
from netverify.model import POLICY_FIELDS

FIXTURE = Path(__file__).parents[3] / "fixtures" / "admin-tiers"


def test_policy_count_is_every_kind_loaded() -> None:
    cluster = load_paths([str(FIXTURE)]).cluster
    assert cluster.policies and cluster.admin_policies  # both kinds in the fixture, or this test says nothing
    assert cluster.policy_count == sum(len(getattr(cluster, kind)) for kind in POLICY_FIELDS)
    assert cluster.policy_count == len(cluster.policies) + len(cluster.admin_policies)
