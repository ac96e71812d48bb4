"""Fuzzing every command with structurally random manifests.

Hypothesis builds documents: arbitrary trees under Kubernetes-looking keys (valid YAML, any shape,
any value), and near-valid NetworkPolicies with a few fields deleted, replaced or duplicated. They
are appended to the demo cluster, so commands that name endpoints (can shop/web shop/api) have
something to answer about. Each input is written twice: as block YAML in the generator's key order,
and normalised by hand (every document as JSON with sorted keys). For every command:

* either the input is refused: exit 2, nothing on stdout, every error naming `file:line` with a
  hint, no traceback, and the normalised input refused with the same errors;
* or both answers are identical once line numbers are removed (the only thing that differs).

Commands comparing two inputs (diff, equiv) are given both forms: they must find no difference.
Every command runs on every example: FUZZ_EXAMPLES is the count per command and strategy.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_k8s import dump_manifests
from helpers_robustness import ASSERTIONS, EXIT_INPUT, Outcome, parse_stderr, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO_TEXT = "".join(f"---\n{p.read_text()}" for p in sorted((ROOT / "fixtures" / "demo").glob("*.yaml")))
# Examples per command and strategy; NETVERIFY_FUZZ_SCALE=10 runs ten times as many (a nightly job).
SCALE = int(os.environ.get("NETVERIFY_FUZZ_SCALE", "1"))
FUZZ_EXAMPLES = {"random": 150 * SCALE, "near_valid_policy": 150 * SCALE}

# --- generators --------------------------------------------------------------------------------

KEYS = [
    "apiVersion", "kind", "metadata", "name", "namespace", "labels", "spec", "podSelector", "matchLabels",
    "matchExpressions", "key", "operator", "values", "policyTypes", "ingress", "egress", "from", "to", "ports",
    "port", "endPort", "protocol", "ipBlock", "cidr", "except", "namespaceSelector", "containers", "containerPort",
    "initContainers", "restartPolicy", "hostNetwork", "nodeName", "status", "podIP", "podIPs", "ip", "phase",
    "selector", "type", "targetPort", "nodePort", "clusterIP", "template", "replicas", "ownerReferences",
    "controller", "items", "app", "tier", "kubernetes.io/metadata.name", "kubernetes.io/service-name",
    "endpoints", "addresses", "conditions", "ready", "targetRef", "addressType",
]
WORDS = [
    "TCP", "UDP", "SCTP", "tcp", "ICMP", "In", "NotIn", "Exists", "DoesNotExist", "in", "Ingress", "Egress",
    "10.0.0.0/8", "0.0.0.0/0", "::/0", "10.1.0.0/16", "10.0.0.1", "300.1.1.1/8", "fd00::/8", "web", "api", "shop",
    "data", "http", "dns", "v1", "apps/v1", "networking.k8s.io/v1", "extensions/v1beta1", "Pod", "Service",
    "NetworkPolicy", "Deployment", "Namespace", "", "None", "Always", "Running", "Succeeded", "ClusterIP",
    "NodePort", "-bad-", "a/b/c", "x" * 70,
]
KINDS = ["Pod", "Service", "NetworkPolicy", "Deployment", "StatefulSet", "Namespace", "EndpointSlice", "List",
         "ConfigMap", "Secret", "Widget"]
API_VERSIONS = {"Pod": "v1", "Service": "v1", "Namespace": "v1", "NetworkPolicy": "networking.k8s.io/v1",
                "Deployment": "apps/v1", "StatefulSet": "apps/v1", "EndpointSlice": "discovery.k8s.io/v1"}

# Any finite float: JSON writes 1e-05 where YAML writes 1.0e-05, and both must read as the same
# number (YAML 1.1 alone would read `1e-05` as a string).
scalars = st.one_of(
    st.none(), st.booleans(),
    st.sampled_from([0, 1, 53, 80, 443, 8000, 65535, 65536, -1, 2**31, 2**63]), st.integers(-10, 70000),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e3, 1e-5, 2.5e10, 80.0]),
    st.sampled_from(WORDS), st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=10))
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)


@st.composite
def random_documents(draw: st.DrawFn) -> Any:
    """A document of any shape, usually an object of a kind netverify reads with random content."""
    if draw(st.integers(0, 9)) == 0:
        return draw(trees)  # a scalar or a list as a whole document
    kind = draw(st.sampled_from(KINDS))
    doc: dict[str, Any] = {"apiVersion": API_VERSIONS.get(kind, "v1"), "kind": kind}
    if draw(st.integers(0, 4)) == 0:
        doc["apiVersion"] = draw(scalars)
    metadata = {"name": draw(st.sampled_from(["web", "api", "fuzz", "fuzz-2"]) | scalars),
                "namespace": draw(st.sampled_from(["shop", "data", "fuzz"]) | scalars)}
    metadata.update(draw(st.dictionaries(st.sampled_from(["labels", "ownerReferences", "uid"]), trees, max_size=2)))
    doc["metadata"] = draw(st.sampled_from([metadata, None])) if draw(st.booleans()) else metadata
    doc.update(draw(st.dictionaries(st.sampled_from(["spec", "status", "items", "data"]), trees, max_size=2)))
    return doc


VALID_POLICY: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "fuzz", "namespace": "shop", "labels": {"team": "shop"}},
    "spec": {
        "podSelector": {"matchLabels": {"app": "api"},
                        "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{
            "from": [{"podSelector": {"matchLabels": {"app": "web"}},
                      "namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "Exists"}]}},
                     {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
            "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}, {"protocol": "UDP", "port": "dns"}],
        }],
        "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": "data"}}}],
                    "ports": [{"protocol": "TCP", "port": 5432}]}, {}],
    },
}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    out: list[tuple[Any, ...]] = []
    for key, item in items:
        out.append(path + (key,))
        out.extend(_paths(item, path + (key,)))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], how: str, new: Any) -> Any:
    """A copy of doc with the field at path deleted, replaced by new, or (in a list) duplicated."""
    head, rest = path[0], path[1:]
    if rest:
        copy = dict(doc) if isinstance(doc, dict) else list(doc)
        copy[head] = _mutate(doc[head], rest, how, new)
        return copy
    if isinstance(doc, dict):
        return {k: v for k, v in doc.items() if k != head} if how == "delete" else {**doc, head: new}
    if how == "delete":
        return doc[:head] + doc[head + 1:]
    return doc[: head + 1] + [doc[head]] + doc[head + 1:] if how == "duplicate" else doc[:head] + [new] + doc[head + 1:]


label_values = st.sampled_from(["web", "api", "db", "frontend", "backend", "shop", "data", "prod", ""])
label_maps = st.dictionaries(st.sampled_from(["app", "tier", "team", "env", "kubernetes.io/metadata.name"]),
                             label_values, max_size=2)
# Values the API server accepts for a field, by its key (for a list item: the list's key), so that
# mutations also make valid policies that differ from the original, not only broken ones.
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "port": st.integers(1, 65535) | st.sampled_from(["http", "dns", "metrics"]),
    "endPort": st.integers(1, 65535),
    "protocol": st.sampled_from(["TCP", "UDP", "SCTP"]),
    "operator": st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
    "key": st.sampled_from(["app", "tier", "team", "env"]),
    "values": st.lists(label_values, min_size=1, max_size=3),
    "matchLabels": label_maps, "labels": label_maps,
    "cidr": st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "10.0.1.0/24", "192.168.0.0/16", "::/0"]),
    "except": st.lists(st.sampled_from(["10.0.1.0/24", "10.2.0.0/16"]), max_size=2),
    "policyTypes": st.lists(st.sampled_from(["Ingress", "Egress"]), max_size=2, unique=True),
    "podSelector": st.builds(lambda labels: {"matchLabels": labels}, label_maps),
    "namespaceSelector": st.builds(lambda labels: {"matchLabels": labels}, label_maps),
    "namespace": st.sampled_from(["shop", "data", "monitoring"]),
}


def _plausible(path: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    key = next((k for k in reversed(path) if isinstance(k, str)), "")
    if isinstance(path[-1], int) and key in PLAUSIBLE:  # an item of a list-valued field
        return PLAUSIBLE[key].map(lambda v: v[0] if isinstance(v, list) and v else v)
    return PLAUSIBLE.get(key, scalars | trees)


@st.composite
def near_valid_policies(draw: st.DrawFn) -> Any:
    """The valid policy above with one to three fields of its spec deleted, replaced (by a plausible
    value or by anything) or duplicated."""
    doc: Any = VALID_POLICY
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p[0] == "spec" and len(p) >= 2]  # the catalogue covers the rest
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["delete", "delete", "plausible", "plausible", "plausible", "anything",
                                    "duplicate"]))
        new = draw(_plausible(path) if how == "plausible" else scalars | trees)
        doc = _mutate(doc, path, "replace" if how in ("plausible", "anything") else how, new)
    return doc


STRATEGIES: dict[str, st.SearchStrategy[list[Any]]] = {
    "random": st.lists(random_documents(), min_size=1, max_size=3),
    "near_valid_policy": st.lists(near_valid_policies(), min_size=1, max_size=2),
}

# --- the two forms of one input ----------------------------------------------------------------


def as_block_yaml(docs: list[Any]) -> str:
    return dump_manifests(docs, sort_keys=False, default_flow_style=False, allow_unicode=True)


# JSON is YAML, except that YAML forbids some raw characters (DEL, C1 controls, U+FFFE/F) and reads
# others as line breaks (NEL, U+2028/9), and that it has no surrogate-pair escapes (JSON's way to
# escape astral characters). So: astral characters raw, those few escaped.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def as_sorted_json(docs: list[Any]) -> str:
    def one(doc: Any) -> str:
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
        return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

    return "".join(f"---\n{one(doc)}\n" for doc in docs)


def normalised(text: str, paths: dict[str, str]) -> str:
    """Output with the manifest paths replaced by their role, line numbers and witnesses removed."""
    for path, role in paths.items():
        text = text.replace(path, role)
    text = re.sub(r"(<[AB]>):[0-9]+", r"\1", text)
    text = re.sub(r"\bline [0-9]+", "line N", text)
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return json.dumps(_without_lines(data), sort_keys=True)


# A witness is one example of many (check, can --any): the solver may pick another one on another
# run, even on the same input, so it is not part of the answer compared. The verdicts are.
_NOT_COMPARED = ("line", "witness")


def _without_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_lines(v) for k, v in value.items() if k not in _NOT_COMPARED}
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def assert_refused_well(result: Outcome, *paths: str) -> None:
    """Exit 2, nothing on stdout, every error located (file:line) and advised, no traceback."""
    assert result.out == "", result.out
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    errors = [d for d in parse_stderr(result.err) if d.is_error]
    assert errors, result.err
    for d in errors:
        assert any(h.startswith("hint: ") for h in d.hints), f"no hint: {d.head}"
        for path in paths:
            if d.head.startswith(path):
                assert re.match(rf"{re.escape(path)}:[1-9][0-9]*: error: ", d.head), f"not located: {d.head}"


# --- commands ----------------------------------------------------------------------------------

OnePath = Callable[[str, str], list[str]]  # (manifest, assertions file) -> argv

SINGLE: dict[str, OnePath] = {
    "matrix": lambda m, _: ["matrix", m, "--format", "json"],
    "matrix --strict": lambda m, _: ["matrix", m, "--format", "json", "--strict"],
    "can": lambda m, _: ["can", "shop/web", "shop/api", m, "--format", "json"],
    "can --any": lambda m, _: ["can", "--any", "shop/web", "shop/api", m, "--format", "json"],
    "check": lambda m, a: ["check", m, "--assertions", a, "--format", "json"],
    "exposure": lambda m, _: ["exposure", m, "--format", "json"],
    "snapshot": lambda m, _: ["snapshot", m],
    "lint": lambda m, _: ["lint", m, "--format", "json"],
}
PAIRED = {"diff": ["diff", "--format", "json"], "equiv": ["equiv", "--format", "json"]}


def exists(command: str) -> bool:
    """lint and equiv are written concurrently with these tests: cover them once they exist."""
    return command.split()[0] in cli.all_commands()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "a").mkdir()
    (root / "b").mkdir()
    (root / "assertions.yaml").write_text(ASSERTIONS)
    return {"A": str(root / "a" / "manifest.yaml"), "B": str(root / "b" / "manifest.yaml"),
            "assertions": str(root / "assertions.yaml")}


def write_both(workdir: dict[str, str], docs: list[Any]) -> None:
    Path(workdir["A"]).write_text(DEMO_TEXT + "---\n" + as_block_yaml(docs))
    Path(workdir["B"]).write_text(DEMO_TEXT + as_sorted_json(docs))


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def same_answer(command: str, written: Outcome, normal: Outcome, roles: dict[str, str]) -> None:
    """The contract for one command on the two forms of one input."""
    assert written.code == normal.code, (command, written.err, normal.err)
    if written.code == EXIT_INPUT:
        # Both refused, each with located errors. Not compared word for word: errors come in the
        # order of the keys, and a message may quote a mapping, whose keys the normal form sorts.
        assert_refused_well(written, *roles)
        assert_refused_well(normal, *roles)
        return
    assert written.code in (0, 1), (command, written.err)
    assert "Traceback" not in written.err, (command, written.err)

    def seen(result: Outcome) -> tuple[str, list[str]]:
        out = normalised(result.out, roles).replace("<A>", "<M>").replace("<B>", "<M>")
        warnings = normalised(result.err, roles).replace("<A>", "<M>").replace("<B>", "<M>")
        return out, sorted(warnings.splitlines())

    assert seen(written) == seen(normal), command


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_command_refuses_with_located_errors_or_answers_as_on_the_normalised_input(
        workdir: dict[str, str], strategy: str) -> None:
    commands = {name: argv for name, argv in SINGLE.items() if exists(name)}
    roles = {workdir["A"]: "<A>", workdir["B"]: "<B>"}

    @settings(FUZZ, max_examples=FUZZ_EXAMPLES[strategy])
    @given(docs=STRATEGIES[strategy])
    def check(docs: list[Any]) -> None:
        write_both(workdir, docs)
        for name, argv in commands.items():
            written = run_cli(argv(workdir["A"], workdir["assertions"]))
            normal = run_cli(argv(workdir["B"], workdir["assertions"]))
            same_answer(name, written, normal, roles)

    check()


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_an_input_and_its_normalised_form_do_not_differ(workdir: dict[str, str], strategy: str) -> None:
    commands = [name for name in PAIRED if exists(name)]

    @settings(FUZZ, max_examples=FUZZ_EXAMPLES[strategy])
    @given(docs=STRATEGIES[strategy])
    def check(docs: list[Any]) -> None:
        write_both(workdir, docs)
        for name in commands:
            result = run_cli([*PAIRED[name], workdir["A"], workdir["B"]])
            if result.code == EXIT_INPUT:
                assert_refused_well(result, workdir["A"], workdir["B"])
                continue
            assert result.code == 0, (name, result.err)
            assert "Traceback" not in result.err
            report = json.loads(result.out)
            if name == "diff":
                assert all(report[k] == [] for k in ("changes", "outside", "endpoints_added",
                                                     "endpoints_removed")), report
            else:
                assert report["holds"] is True, report

    check()
