"""What a run prints is bounded, whatever the input: one error quotes a bounded part of any value, and
a run shows a bounded number of diagnostics.

Aliases that repeat one large value many times (staying under the alias cap) used to make every error
quote every copy: gigabytes of stderr and of memory. Each shape below puts a 200 KB value where an
error quotes it, thousands of times; stderr must stay small and say how many diagnostics it left out.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from helpers_robustness import EXIT_INPUT, parse_stderr, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BIG = "-" + "x" * 200_000  # invalid wherever it is put: a port name, a label value, a field name
COPIES = 3_000
HEAD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: c\n"


def amplified(shape: str, copies: int = COPIES, value: str = BIG) -> str:
    BIG = value  # noqa: N806 - the value the templates below repeat
    if shape == "port-name":
        ports = [f"    - {{containerPort: 80, name: &big {BIG}}}"] + \
                [f"    - {{containerPort: {81 + i % 60000}, name: *big}}" for i in range(copies)]
        return HEAD + "    ports:\n" + "\n".join(ports) + "\n"
    if shape == "label-value":
        docs = [f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-{i}\n  namespace: shop\n  labels: {{app: "
                + (f"&big {BIG}" if i == 0 else "*big") + "}\nspec: {containers: [{name: c, image: i}]}\n" for i in range(copies)]
        return "---\n".join(docs)
    if shape == "unknown-field-key":
        fields = [f"  ? &big {BIG}\n  : 1"]
        containers = "\n".join(f"  - {{name: c{i}, ? *big : 1}}" for i in range(copies))
        return ("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n" + fields[0]
                + "\n  containers:\n" + containers + "\n")
    if shape == "shared-list":
        return (HEAD + f"    ports: &ports [{{containerPort: 0, name: {BIG}}}]\n"
                + "".join(f"  - {{name: c{i}, ports: *ports}}\n" for i in range(copies)))
    raise AssertionError(shape)


@pytest.mark.parametrize("shape", ["port-name", "label-value", "unknown-field-key", "shared-list"])
def test_an_aliased_large_value_gives_small_errors_in_bounded_number(tmp_path: Path, shape: str) -> None:
    file = tmp_path / f"{shape}.yaml"
    file.write_text(amplified(shape))
    tracemalloc.start()
    try:
        result = run_cli(["matrix", str(file)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.code == EXIT_INPUT, result.err[:2000]
    assert len(result.err) < 200_000, f"{len(result.err):,} characters of stderr"
    assert peak < 150 << 20, f"peak {peak >> 20} MB: errors must not build copies of the value"
    reported = parse_stderr(result.err)
    assert all(len(d.head) < 1_500 for d in reported), "every error quotes a bounded part of the value"
    assert all(d.head.startswith(f"{file}:") or d.head.startswith("...") for d in reported)


def test_beyond_the_shown_diagnostics_the_count_of_the_rest_is_given(tmp_path: Path) -> None:
    file = tmp_path / "many.yaml"
    file.write_text(amplified("port-name"))
    err = run_cli(["matrix", str(file)]).err
    assert "more diagnostics not shown" in err and "fix the ones above first" in err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(copies=st.integers(1, 600), size=st.integers(1, 50_000),
       shape=st.sampled_from(["port-name", "label-value", "unknown-field-key", "shared-list"]))
def test_stderr_grows_with_neither_the_value_nor_its_copies(tmp_path: Path, copies: int, size: int,
                                                           shape: str) -> None:
    file = tmp_path / "input.yaml"
    file.write_text(amplified(shape, copies, "-" + "y" * size))
    result = run_cli(["matrix", str(file)])
    assert result.code == EXIT_INPUT
    # At most 200 diagnostics of bounded size, plus the summary line.
    assert len(result.err) <= 201 * 2_600, len(result.err)
