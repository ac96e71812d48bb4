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

Importing this package imports only the group: a command's module is imported when that command is looked
up (app.LazyGroup, app.COMMANDS), so a run pays only for the command it runs. Exit codes: 0 pass/allowed,
1 violation/denied, 2 input or usage error, 3 solver unknown/timeout, 4 internal error.
"""

from netverify.cli.app import cli, main, run

__all__ = ["cli", "main", "run"]
