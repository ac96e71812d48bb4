"""A direction is a `model.Direction`, never the string "ingress" or "egress" (an `ast` walk, no tool).

Outside model/ (where `Direction` is defined) and loaders/ (which read the YAML keys `ingress:`
and `egress:`), code compares and passes members: `direction is Direction.INGRESS`,
`graph.selecting(Direction.EGRESS)`, `for d in Direction`. A string literal that means a
direction is flagged wherever it is used as one:

- an operand of a comparison (`direction == "ingress"`, `d in ("egress", "ingress")`);
- an argument of a call, positional or keyword (`decide_direction(tiers, "egress", ...)`,
  `finding(..., direction="ingress")`);
- a default value of a parameter (`direction: str = "ingress"`);
- a choice between the two (`"egress" if src else "ingress"`);
- a tuple, list or set of nothing but directions (`DIRECTIONS = ("ingress", "egress")`).

Wire and output strings stay strings: dictionary keys (`{"egress": ...}` in JSON), subscripts of
such dictionaries, and text (the JavaScript of report/html_script.py is one string). Output built
from a member uses `.value`.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "netverify"
EXEMPT = ("model", "loaders")  # where the enum lives, and where the YAML keys are read
WORDS = frozenset({"ingress", "egress"})

# Files of other owners that still spell directions as strings, with how many flagged uses each has
# today. They convert them this session; the lead lowers or removes an entry after merging their
# branch (a count that grew fails: convert the new literal; one that shrank fails too: lower it).
# The list may only shrink; when it is empty, keep it so.
DEBT: dict[str, int] = {
}


def _is_word(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in WORDS


def _only_words(node: ast.AST) -> bool:
    return isinstance(node, ast.Tuple | ast.List | ast.Set) and bool(node.elts) and all(map(_is_word, node.elts))


def _word_or_words(node: ast.AST) -> bool:
    return _is_word(node) or _only_words(node)


def direction_literals(source: str, filename: str = "<string>") -> list[int]:
    """The lines where `source` uses "ingress" or "egress" as a direction (see the module docstring)."""
    found: dict[int, ast.AST] = {}  # by identity: a tuple compared (`d in ("egress", "ingress")`) is one use
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            hits = [n for n in (node.left, *node.comparators) if _word_or_words(n)]
        elif isinstance(node, ast.Call):
            hits = [n for n in (*node.args, *(k.value for k in node.keywords)) if _is_word(n)]
        elif isinstance(node, ast.arguments):
            hits = [n for n in (*node.defaults, *node.kw_defaults) if n is not None and _is_word(n)]
        elif isinstance(node, ast.IfExp):
            hits = [node] if _is_word(node.body) and _is_word(node.orelse) else []
        elif _only_words(node):
            hits = [node]
        else:
            hits = []
        found.update((id(n), n) for n in hits)
    return sorted(getattr(n, "lineno", 0) for n in found.values())


def _uses() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.split("/")[0] in EXEMPT:
            continue
        lines = direction_literals(path.read_text(), str(path))
        if lines or rel in DEBT:
            out[rel] = lines
    return out


def test_directions_are_members_not_strings() -> None:
    uses = _uses()
    new = {f: lines for f, lines in uses.items() if len(lines) > DEBT.get(f, 0)}
    assert not new, ("use model.Direction, not the strings 'ingress'/'egress', where a direction is compared or "
                     "passed (output: `.value`): " + "; ".join(f"netverify/{f}:{','.join(map(str, lines))}"
                                                             for f, lines in new.items()))


def test_the_debt_list_only_shrinks() -> None:
    uses = _uses()
    paid = {f: (allowed, len(uses.get(f, []))) for f, allowed in DEBT.items() if len(uses.get(f, [])) < allowed}
    assert not paid, ("these files use fewer direction strings than DEBT allows: lower or remove their entries "
                      "(allowed, found): " + repr(paid))


class TestTheWalkFlagsDirectionsOnly:
    def test_comparisons_calls_defaults_choices_and_literal_tuples_are_flagged(self) -> None:
        source = "\n".join([
            'a = d == "ingress"',
            'b = d in ("egress", "ingress")',
            'f(x, "egress")',
            'g(direction="ingress")',
            'def h(direction: str = "egress") -> None: ...',
            'c = "egress" if s else "ingress"',
            'DIRECTIONS = ("ingress", "egress")',
            'for d in ["egress", "ingress"]: pass',
        ])
        assert direction_literals(source) == [1, 2, 3, 4, 5, 6, 7, 8]

    def test_members_dictionary_keys_subscripts_and_text_are_not(self) -> None:
        source = "\n".join([
            "a = d is Direction.INGRESS",
            'j = {"egress": e.to_json(), "ingress": i.to_json()}',
            'k = verdict["egress"]',
            'msg = f"{d.value} of {subject}"',
            'js = "dir === \\"egress\\""',
            'pairs = (("egress", "dst", e), ("ingress", "src", i))',
            'word = "to" if d is Direction.EGRESS else "from"',
        ])
        assert direction_literals(source) == []

    def test_the_exempt_layers_are_model_and_loaders(self) -> None:
        assert not set(EXEMPT) - {p.name for p in PACKAGE.iterdir() if p.is_dir()}
