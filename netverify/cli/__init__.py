"""Command-line interface: the only package that prints or exits.

    app.py          the command group, main() (exceptions -> exit codes) and run()
    common.py       shared options, inventory loading, result writing, InputProblem
    cmd_reach.py    matrix, can
    cmd_check.py    check
    cmd_diff.py     diff
    cmd_lint.py     lint
    cmd_compare.py  equiv, contains
    cmd_cluster.py  snapshot, exposure
    cmd_paths.py    blast-radius, paths (lateral movement)

Importing this package registers every command on the group. Exit codes: 0 pass/allowed,
1 violation/denied, 2 input or usage error, 3 solver unknown/timeout, 4 internal error.
"""

from netverify.cli import (  # noqa: F401 (registers)
    cmd_check,
    cmd_cluster,
    cmd_compare,
    cmd_diff,
    cmd_lint,
    cmd_paths,
    cmd_reach,
)
from netverify.cli.app import cli, main, run

__all__ = ["cli", "main", "run"]
