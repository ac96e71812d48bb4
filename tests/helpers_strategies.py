"""Hypothesis strategies for small random NetworkPolicy pieces, shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

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
