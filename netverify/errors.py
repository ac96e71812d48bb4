"""The exceptions netverify raises on purpose, in one tree (floor 0: imports nothing of netverify).

    NetverifyError                      every expected failure; the CLI catches this base
    +-- InputError (model/source.py)    the input is wrong: located Diagnostics, exit 2
    +-- InputProblem (cli/common.py)    the CLI's located diagnostics (input and usage), exit 2
    +-- YAMLInputError (loaders/yamlio) a file is not safe, well-formed YAML, exit 2
    +-- SourceError                     a source of input cannot be read: message and hint, exit 2
    |   +-- ClusterError (loaders/kubeconfig)   the API server refused or failed
    |   +-- GitProblem (loaders/git)         a revision or path is not in the repository
    +-- UsageError                      the question is wrong (also a ValueError), exit 2
    |   +-- SelectorSyntaxError (semantics/selectors)
    |   +-- EndpointError (queries/endpoints)
    |   |   +-- EmptySetError (queries/reach): a set matches nothing
    |   +-- PortError (queries/ports)
    |   +-- UnsupportedFormat (report)
    |       +-- GraphvizMissing (report/svg_format)
    +-- UndecidedError                  the solver could not decide: never a pass, exit 3
        +-- RedundancyUnknown (queries/lint/redundancy)

Outside the tree on purpose: `ReplayMismatch(AssertionError)` (engines/smt_types.py) and
`PathReplayMismatch(AssertionError)` (queries/paths.py), an engine disagreeing with the evaluator,
are bugs (exit 4), not answers.
"""

from __future__ import annotations


class NetverifyError(Exception):
    """Base of every exception netverify raises for a reason it can explain to the user."""


class SourceError(NetverifyError):
    """A source of input (a cluster, a git repository) cannot be read."""


class UsageError(NetverifyError, ValueError):
    """The question asked is malformed (a selector, an endpoint, a port, a format)."""


class UndecidedError(NetverifyError):
    """The solver could not decide within its limits."""
