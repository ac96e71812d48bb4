"""`netverify lint`: find the NetworkPolicies that do not do what their authors think.

`lint(analysis, errors, options)` runs every selected check and returns a LintResult; it never
prints. The loader's errors come in as NV3xx findings instead of stopping the run, so a broken
repository gets its whole list at once (the CLI still exits 2 on them, writing them and the other
findings on stderr, as every command treats bad input). Inventory checks (selectors, ports, isolation, traps)
are skipped, with a note, when there is no inventory to check against: no pods or workloads
were loaded, or a manifest other than a NetworkPolicy could not be read (the findings would be
about the missing objects).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from netverify.model import Diagnostic, Severity, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint import (
    admin_findings,
    admin_rules,
    admin_scan,
    breadth,
    isolation,
    ports,
    selection,
    traps,
    validity,
)
from netverify.queries.lint.codes import CODES, family_selected, selected
from netverify.queries.lint.context import LintContext
from netverify.queries.lint.filters import LintFilter, filtered
from netverify.queries.lint.findings import Finding
from netverify.queries.outcome import Outcome
from netverify.runtime import without_gc

__all__ = ["LintFilter", "LintOptions", "LintResult", "lint"]

# Told when each phase starts (description, number of steps or None): the CLI shows it as progress.
PhaseCallback = Callable[[str, int | None], None]

InventoryCheck = Callable[[LintContext], Iterable[Finding]]

# (the codes a check can report, the check): a check runs only when one of its codes is selected.
CHECKS: tuple[tuple[tuple[str, ...], InventoryCheck], ...] = (
    (("NV101",), selection.policy_selects_no_pod),
    (("NV102",), selection.peer_matches_nothing),
    (("NV201", "NV202"), ports.named_ports),
    (("NV401",), isolation.egress_blocks_dns),
    (("NV402",), isolation.pods_not_isolated),
    (("NV403",), isolation.namespaces_without_default_deny),
    (("NV501",), breadth.broad_ingress),
    (("NV502",), breadth.ipblock_covers_pods),
    (("NV503",), breadth.policy_selects_host_network),
    (("NV504",), breadth.peer_matches_host_network),
    (("NV505", "NV506"), traps.peer_traps),
    (("NV701",), lambda ctx: _scanned(ctx, admin_findings.overlapping_priorities)),
    (("NV702",), lambda ctx: _scanned(ctx, admin_findings.shadowed_rules)),
    (("NV703",), lambda ctx: _scanned(ctx, admin_findings.passes_to_nothing)),
    (("NV707",), lambda ctx: _scanned(ctx, admin_findings.voided_network_policy_rules)),
)

# Checks of the policies alone: they run whether or not pods were loaded.
POLICY_CHECKS: tuple[tuple[tuple[str, ...], InventoryCheck], ...] = (
    (("NV704",), admin_rules.named_ports_with_addresses),
    (("NV705", "NV706"), admin_rules.domain_names),
)


def _scanned(ctx: LintContext, check: Callable[[admin_scan.AdminScan], Iterable[Finding]]) -> Iterable[Finding]:
    scan = admin_scan.scan_of(ctx)
    return check(scan) if scan is not None else ()


# Findings about a repository's posture rather than a mistake in a policy: pods no policy isolates,
# namespaces without a default-deny. Under the default profile they are info (they do not fail lint)
# and a text report gives each code one summary line; `--profile strict` keeps them as CODES says.
POSTURE_CODES = ("NV402", "NV403")
PROFILES = ("default", "strict")


@dataclass(frozen=True)
class LintOptions:
    select: tuple[str, ...] = ()  # codes or prefixes (NV1); empty = every code
    ignore: tuple[str, ...] = ()
    scope: str = "inventory"  # redundancy: "inventory" (loaded pods) or "any" (any pod that could exist)
    timeout_s: float = 30.0  # redundancy: solver time limit per query
    profile: str = "strict"  # "default": posture findings are info and summarised; "strict": CODES' severities
    only: LintFilter = LintFilter()  # --src/--dst/-n: the findings about these endpoints or namespaces


@dataclass
class LintResult:
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    input_errors: int = 0  # loader errors (each is also an NV3xx finding unless filtered out)
    summarised: tuple[str, ...] = ()  # codes a text report gives one summary line (the default profile's posture)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def outcome(self) -> Outcome:
        return Outcome.of(not self.fails)

    @property
    def fails(self) -> bool:
        """Errors and warnings fail the lint; info findings do not."""
        return any(f.severity is not Severity.INFO for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {"findings": [f.to_json() for f in self.findings], "notes": list(self.notes)}


# Every check builds records that survive to the result (the scans, graphs and findings form no cycle worth
# collecting mid-run): the collector walking the loaded inventory again and again is ~10% of a large lint.
@without_gc
def lint(analysis: Analysis, errors: Sequence[Diagnostic] = (), options: LintOptions | None = None,
         on_phase: PhaseCallback | None = None) -> LintResult:
    """Run the selected checks on `analysis`; `errors` are the loader's (they become NV3xx findings).
    `on_phase(description, steps)` is told when each phase starts (endpoint classes, each check)."""
    options = options or LintOptions()
    phase = on_phase or (lambda _description, _steps: None)
    errors = [d for d in errors if d.severity is Severity.ERROR]
    found: list[Finding] = list(validity.invalid_objects(errors))
    ctx = LintContext(analysis, inventory_complete=all(validity.is_policy_error(d) for d in errors))
    notes: list[str] = []
    for codes, check in POLICY_CHECKS:
        if any(selected(c, options.select, options.ignore) for c in codes):
            phase(_describe(codes), None)
            found.extend(check(ctx))
    skip = _inventory_skipped(ctx)
    if skip:
        notes.append(skip)
        if ctx.inventory_complete and selected("NV701", options.select, options.ignore):
            found.extend(admin_rules.described_priority_overlaps(ctx))
    else:
        phase(f"endpoint classes of {len(analysis.endpoints):,} endpoints", None)
        _ = ctx.graph
        for codes, check in CHECKS:
            if any(selected(c, options.select, options.ignore) for c in codes):
                phase(_describe(codes), None)
                found.extend(check(ctx))
    if family_selected("NV6", options.select, options.ignore):
        phase("NV6xx redundancy", None)
    found.extend(_redundancy(ctx, options, frozenset(f.source for f in found if f.code == "NV707"), notes))
    # Ordered by file, then object: an object's findings stay together, and the order does not depend
    # on how its fields are laid out in the file.
    kept = sorted({f for f in filtered(ctx, options.only, found) if selected(f.code, options.select, options.ignore)},
                  key=lambda f: (f.source.file, f.obj, f.code, f.message, f.source.line))
    if options.profile == "strict":
        return LintResult(kept, notes, len(errors))
    kept = [replace(f, severity=Severity.INFO) if f.code in POSTURE_CODES else f for f in kept]
    return LintResult(kept, notes, len(errors), POSTURE_CODES)


def _describe(codes: tuple[str, ...]) -> str:
    """`checking NV401 (EgressBlocksDNS)` for a progress line."""
    return f"checking {'/'.join(codes)} ({CODES[codes[0]].name})"


def _inventory_skipped(ctx: LintContext) -> str | None:
    if not ctx.inventory_complete:
        return ("inventory checks skipped: some manifests could not be read (NV300), so their findings would be "
                "about the missing objects; fix the input and run lint again")
    if not ctx.has_pods:
        return ("inventory checks skipped: no pods or workloads were loaded; lint the policies together with the "
                "workloads they apply to (manifests, or a `netverify snapshot` of the cluster)")
    return None


def _redundancy(ctx: LintContext, options: LintOptions, voided: frozenset[SourceRef],
                notes: list[str] | None = None) -> list[Finding]:
    """NV6xx from the redundancy module, when it is installed and the family is selected; `notes` is
    told what its answers assumed."""
    if not family_selected("NV6", options.select, options.ignore) or not ctx.inventory_complete:
        return []
    if options.scope == "inventory" and not ctx.has_pods:
        return []
    try:
        from netverify.queries.lint.redundancy import redundancy_findings  # written separately; loads z3 lazily
    except ModuleNotFoundError as exc:
        if exc.name != "netverify.queries.lint.redundancy":
            raise  # the module is there but broken: that is a bug to see, not a check to skip
        return []
    found = redundancy_findings(ctx.analysis, scope=options.scope, timeout_s=options.timeout_s, notes=notes)
    # Both scopes fold every tier (Admin -> NetworkPolicy -> Baseline). A NetworkPolicy rule the Admin
    # tier voids (NV707, which names the deniers) is redundant too: reported once, as NV707, the more
    # telling of the two, in either scope (NV707 reads the loaded pods; without pods it is not
    # computed and an --any NV601 stands alone).
    found = [f for f in found if not (f.code == "NV601" and f.source in voided)]
    return [_with_docs_link(f) for f in found]


def _with_docs_link(f: Finding) -> Finding:
    """Every message ends with its docs link, whichever module wrote the finding."""
    link = f"(see {f.docs})"
    return f if f.message.endswith(link) else replace(f, message=f"{f.message} {link}")
