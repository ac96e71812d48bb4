"""Hypothesis strategies for small random NetworkPolicy pieces, shared by the property tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from netverify.loaders.manifests import load_objects
from netverify.model import Cluster, SourceRef

KEYS, VALUES = ["app", "tier"], ["a", "b", "c"]
NAMESPACES = {"x": {"team": "a"}, "y": {"team": "b"}}

labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2)
selector_st = st.one_of(
    st.builds(lambda ml: {"matchLabels": ml}, labels_st),
    st.builds(lambda k, v: {"matchExpressions": [{"key": k, "operator": "In", "values": [v]}]},
              st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.builds(lambda k: {"matchExpressions": [{"key": k, "operator": "DoesNotExist"}]}, st.sampled_from(KEYS)),
)
port_st = st.one_of(st.builds(lambda p: {"port": p}, st.sampled_from([80, 443])),
                    st.just({"port": "http"}), st.just({"protocol": "UDP"}))


def load_with_namespaces(objects: list[dict[str, Any]]) -> Cluster:
    """The objects loaded together with the NAMESPACES (each at its own line of `gen.yaml`); no errors."""
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    result = load_objects((obj, SourceRef("gen.yaml", i + 1)) for i, obj in enumerate(namespaces + objects))
    assert not result.errors, result.errors
    return result.cluster


@st.composite
def edited_policies(draw: st.DrawFn, base: list[dict[str, Any]],
                    policy_st: Callable[[str], st.SearchStrategy[dict[str, Any]]], max_new: int) -> list[dict[str, Any]]:
    """Another version of `base`: each policy kept (twice as likely), edited or dropped, and up to
    `max_new` new ones."""
    out = []
    for j, p in enumerate(base):
        fate = draw(st.sampled_from(["keep", "keep", "edit", "drop"]))
        if fate != "drop":
            out.append(p if fate == "keep" else draw(policy_st(f"np{j}")))
    return out + [draw(policy_st(f"new{j}")) for j in range(draw(st.integers(0, max_new)))]
