"""A policy kind lives in model/, loaders/ and semantics/; engines/ and queries/ read only its tiers.

docs/architecture.md ("Adding a policy kind") lists the files a new kind touches: its model, its
loader, its compiled matchers, its tier and `semantics/kinds.py` (where an inventory's kinds are
compiled into tiers). Engines and queries fold whatever tiers `Analysis.tiers` lists and derive
what they need of a kind (the addresses it observes, its rules, its priorities) from the tiers
(`semantics/kinds.py`, `semantics/class_tiers.specs_of`). This walk (as test_layers.py: the
package's own import statements, read with `ast`) holds them to it: no module of engines/ or
queries/ imports a kind's own modules or names, nor reads a kind's own field of the inventory
(`Cluster.admin_policies`), except the modules listed below, each with why. The list may only
shrink: an entry whose module no longer touches a kind fails too, so it is removed when the work
lands.
"""

from __future__ import annotations

import ast
from pathlib import Path

from netverify.model import POLICY_FIELDS

from .test_layers import PACKAGE, imports, module_name

# The modules that belong to the admin kinds (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
# ClusterNetworkPolicy): their model, compiled matchers and tiers.
KIND_MODULES = frozenset({"netverify.model.admin", "netverify.semantics.admin_compile",
                          "netverify.semantics.admin_tier"})
# What model/admin.py defines that is not the kind's own: Nodes are inventory (a `nodes` peer reads them).
INVENTORY_NAMES = frozenset({"Node", "NodeAddress"})
# A kind's own field of the inventory (`Cluster.policies` is NetworkPolicy's, which the graph indexes).
KIND_FIELDS = frozenset(POLICY_FIELDS) - {"policies"}

# Modules of engines/ and queries/ that know the admin kinds by name, and why. Lint's NV70x checks are
# about the admin kinds by nature (their priorities, Pass, domainNames, the Baseline default deny).
# Every module of lint named admin_*: NV70x, the checks about the admin kinds themselves (admin_scan,
# admin_findings, admin_rules, admin_records, and whatever lint adds for them).
ADMIN_LINT = "netverify.queries.lint.admin_"
ALLOWED: dict[str, str] = {
    # By nature: LintContext.admin is the admin policies themselves, which the NV70x checks read.
    "netverify.queries.lint.context": "LintContext.admin: the admin policies the NV70x checks read",
    # Speed-up, not semantics: the admin tiers read which policies select a subject from the graph's classes.
    # A new kind's tier is folded as it is (semantic tier), correctly, with no edit here.
    "netverify.queries.diff_tiers": "GraphAdminTier: an optional per-kind speed-up of the diff's tier walk",
}


def kind_names() -> frozenset[str]:
    """The names model/admin.py defines at its top level (classes and constants), less inventory."""
    tree = ast.parse((PACKAGE / "model" / "admin.py").read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name) and not t.id.startswith("_"))
    return frozenset(names - INVENTORY_NAMES)


def kind_uses(path: Path) -> list[str]:
    """What of a policy kind `path` uses: its modules, the names it imports from model, the kind's
    fields of the inventory it reads."""
    found = sorted(imports(path) & KIND_MODULES)
    names = kind_names()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module in ("netverify.model", "netverify.model.objects"):
            found += [f"{node.module}.{a.name}" for a in node.names if a.name in names]
        elif isinstance(node, ast.Attribute) and node.attr in KIND_FIELDS:
            found.append(f".{node.attr} (line {node.lineno})")
        elif isinstance(node, ast.keyword) and node.arg in KIND_FIELDS:
            found.append(f"{node.arg}= (line {node.lineno})")
    return found


def engine_and_query_modules() -> dict[str, Path]:
    return {module_name(p): p for layer in ("engines", "queries") for p in (PACKAGE / layer).rglob("*.py")}


def test_engines_and_queries_know_no_policy_kind_outside_the_list() -> None:
    unexpected = {name: uses for name, path in engine_and_query_modules().items()
                  if name not in ALLOWED and not name.startswith(ADMIN_LINT) and (uses := kind_uses(path))}
    assert not unexpected, ("engines/ and queries/ read a policy kind itself instead of the tiers (derive it in "
                            "semantics/kinds.py or class_tiers.py): " + repr(unexpected))


def test_every_listed_module_still_knows_the_kind() -> None:
    modules = engine_and_query_modules()
    stale = sorted(name for name in ALLOWED if name not in modules or not kind_uses(modules[name]))
    assert not stale, f"remove from ALLOWED (they read only tiers now): {stale}"
    assert any(name.startswith(ADMIN_LINT) for name in modules)


def test_the_walk_sees_a_kind() -> None:
    # the walk must not go blind: lint's admin scan compiles admin rules by name
    assert kind_uses(PACKAGE / "queries" / "lint" / "admin_scan.py")
    assert "AdminTier" in kind_names() and "Node" not in kind_names()


def test_equivalence_and_the_analysis_read_only_tiers() -> None:
    """Issue 15's last steps, named: both sides of equiv/contains are analysed as every command's
    inventory is (`Analysis`), and the analysis compiles no kind itself (semantics/kinds.py does)."""
    modules = engine_and_query_modules()
    for name in ("netverify.queries.equivalence", "netverify.queries.context", "netverify.queries.diff_tiered",
                 "netverify.queries.lint.isolation",
                 "netverify.queries.reach", "netverify.queries.exposure", "netverify.queries.diff_causes",
                 "netverify.engines.graph", "netverify.engines.smt_tiers"):
        assert not kind_uses(modules[name]), name
