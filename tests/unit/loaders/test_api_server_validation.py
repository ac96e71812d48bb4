"""Pods and pod templates as the API server validates them (issue 21): at least one container, and
workload selectors required, generated or refused per kind, always selecting the template's labels.

Sources: k8s.io/kubernetes pkg/apis/core/validation (validateContainers: `spec.containers: Required
value`), pkg/apis/apps/validation (apps/v1 selectors: `Required value`, "selector does not match
template labels", an empty selector refused), pkg/apis/batch/validation (a Job's selector is
generated unless manualSelector; a CronJob's jobTemplate: "`selector` will be auto-generated").
Each refusal is an error at the line, each acceptance no error at all.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.loaders.manifests import load_blobs

CONTAINER = [{"name": "c", "image": "i"}]


def template(labels: dict[str, str] | None = None, containers: Any = CONTAINER) -> dict[str, Any]:
    spec: dict[str, Any] = {"restartPolicy": "Never"}
    if containers is not None:
        spec["containers"] = containers
    return {"metadata": {"labels": labels if labels is not None else {"app": "x"}}, "spec": spec}


def workload(kind: str, spec: dict[str, Any], api_version: str = "apps/v1") -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "w", "namespace": "ns"}, "spec": spec}


def errors(obj: dict[str, Any]) -> list[str]:
    text = yaml.safe_dump(obj, sort_keys=False).encode()
    result = load_blobs([("m.yaml", text)])
    return [d.message for d in result.errors]


def refused(obj: dict[str, Any], fragment: str) -> None:
    found = errors(obj)
    assert any(fragment in m for m in found), found


# --- containers --------------------------------------------------------------------------------------

def test_a_pod_without_containers_is_refused() -> None:
    refused({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
             "spec": {"nodeName": "n1"}}, "spec.containers: is required")


def test_a_pod_with_only_init_containers_is_refused() -> None:
    refused({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
             "spec": {"initContainers": CONTAINER}}, "spec.containers: is required")


@pytest.mark.parametrize("kind,spec,path", [
    ("Deployment", {"selector": {"matchLabels": {"app": "x"}}, "template": template(containers=[])},
     "spec.template.spec.containers"),
    ("DaemonSet", {"selector": {"matchLabels": {"app": "x"}}, "template": template(containers=None)},
     "spec.template.spec.containers"),
    ("Job", {"template": template(containers=[])}, "spec.template.spec.containers"),
    ("CronJob", {"schedule": "@daily", "jobTemplate": {"spec": {"template": template(containers=None)}}},
     "spec.jobTemplate.spec.template.spec.containers"),
])
def test_a_pod_template_without_containers_is_refused(kind: str, spec: dict[str, Any], path: str) -> None:
    api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    refused(workload(kind, spec, api), f"{path}: is required")


# --- selectors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"])
def test_an_apps_v1_workload_needs_a_selector(kind: str) -> None:
    refused(workload(kind, {"template": template()}), f"spec.selector: is required for a {kind}")


@pytest.mark.parametrize("api_version", ["extensions/v1beta1", "apps/v1beta1"])
def test_the_retired_versions_that_defaulted_the_selector_do_not_need_one(api_version: str) -> None:
    # read as apps/v1 with a warning about the apiVersion; their server filled the selector from the labels
    assert errors(workload("Deployment", {"template": template()}, api_version)) == []


@pytest.mark.parametrize("selector", [
    {"matchLabels": {"app": "other"}},
    {"matchLabels": {"app": "x", "tier": "web"}},
    {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]},
    {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
    {},
])
def test_a_selector_that_does_not_select_the_template_is_refused(selector: dict[str, Any]) -> None:
    refused(workload("Deployment", {"selector": selector, "template": template()}),
            "spec.selector: does not match the pod template's labels")


@pytest.mark.parametrize("selector", [
    {"matchLabels": {"app": "x"}},
    {"matchExpressions": [{"key": "app", "operator": "In", "values": ["x", "z"]}]},
    {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
])
def test_a_selector_that_selects_the_template_is_accepted(selector: dict[str, Any]) -> None:
    assert errors(workload("Deployment", {"selector": selector, "template": template()})) == []


def test_a_jobs_selector_is_generated() -> None:
    assert errors(workload("Job", {"template": template()}, "batch/v1")) == []
    assert errors(workload("Job", {"selector": {}, "template": template()}, "batch/v1")) == []


def test_a_jobs_given_selector_must_select_its_template() -> None:
    refused(workload("Job", {"selector": {"matchLabels": {"app": "other"}}, "template": template()}, "batch/v1"),
            "does not match the pod template's labels")
    assert errors(workload("Job", {"manualSelector": True, "selector": {"matchLabels": {"app": "x"}},
                                   "template": template()}, "batch/v1")) == []


def test_a_manual_job_selector_is_required() -> None:
    refused(workload("Job", {"manualSelector": True, "template": template()}, "batch/v1"),
            "spec.selector: is required when manualSelector is true")


def test_a_cronjobs_job_template_takes_no_selector() -> None:
    cron = {"schedule": "@daily", "jobTemplate": {"spec": {"template": template()}}}
    assert errors(workload("CronJob", cron, "batch/v1")) == []
    cron["jobTemplate"]["spec"]["selector"] = {"matchLabels": {"app": "x"}}
    refused(workload("CronJob", cron, "batch/v1"), "spec.jobTemplate.spec.selector: may not be given")
    del cron["jobTemplate"]["spec"]["selector"]
    cron["jobTemplate"]["spec"]["manualSelector"] = True
    refused(workload("CronJob", cron, "batch/v1"), "spec.jobTemplate.spec.manualSelector")


def test_a_replication_controller_defaults_its_selector_and_checks_a_given_one() -> None:
    assert errors(workload("ReplicationController", {"template": template()}, "v1")) == []
    refused(workload("ReplicationController", {"selector": {"app": "other"}, "template": template()}, "v1"),
            "does not match the pod template's labels")


# --- the class, not the examples: a selector is accepted exactly when it selects the template ---------

keys = st.sampled_from(["app", "tier", "team"])
values = st.sampled_from(["a", "b"])
expressions = st.builds(
    lambda key, op, vals: {"key": key, "operator": op, **({"values": vals} if op in ("In", "NotIn") else {})},
    keys, st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]), st.lists(values, min_size=1, max_size=2))


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """LabelSelector semantics written out (apimachinery labels.Selector), for the property below."""
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return False  # a workload's empty selector is refused
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        has = e["key"] in labels
        ok = {"In": has and labels.get(e["key"]) in e.get("values", []),
              "NotIn": not has or labels.get(e["key"]) not in e.get("values", []),
              "Exists": has, "DoesNotExist": not has}[e["operator"]]
        if not ok:
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(labels=st.dictionaries(keys, values, min_size=1, max_size=3),
       match_labels=st.dictionaries(keys, values, max_size=2),
       exprs=st.lists(expressions, max_size=2))
def test_a_workload_is_accepted_exactly_when_its_selector_selects_its_template(
        labels: dict[str, str], match_labels: dict[str, str], exprs: list[dict[str, Any]]) -> None:
    selector: dict[str, Any] = {}
    if match_labels:
        selector["matchLabels"] = match_labels
    if exprs:
        selector["matchExpressions"] = exprs
    found = errors(workload("ReplicaSet", {"selector": selector, "template": template(labels)}))
    assert (found == []) == selects(selector, labels), (selector, labels, found)
