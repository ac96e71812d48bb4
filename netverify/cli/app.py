"""The command group and the entry point: every exception a command raises becomes an exit code here.

Exit codes: 0 pass/allowed, 1 violation/denied, 2 input or usage error,
3 solver unknown/timeout, 4 internal error (a bug: please report it).

Commands are loaded lazily (issue 19): the group knows each command's module and short help (COMMANDS) and
imports a command's module only when that command runs or its own help is asked for, so `netverify can`
does not pay for lint's, the solver's or diff's modules, and `netverify --help` for none of them. Each
command module registers its command on `cli` when imported (`@cli.command`). Invariant, tested
(tests/cli/test_lazy_commands.py): COMMANDS names every registered command with its module and the same
short help the command itself declares.
"""

from __future__ import annotations

import contextlib
import errno
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module

import click

from netverify.errors import NetverifyError
from netverify.loaders.credentials import RedactingStream, Redactor
from netverify.runtime import end_of_run

# The exit codes (netverify.cli.common defines them with the outcome mapping; repeated here so that the entry
# point does not import the inventory machinery before it knows a command runs; a test keeps them equal).
EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 4


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives and the first paragraph of its help (what `netverify --help` lists)."""

    module: str
    summary: str

    def short_help(self, limit: int) -> str:
        """The summary shortened as click shortens a command's help for the listing."""
        return click.Command(None, help=self.summary).get_short_help_str(limit)


COMMANDS: dict[str, LazyCommand] = {
    "blast-radius": LazyCommand("netverify.cli.cmd_paths",
                                "Everything SRC reaches in any number of hops: each endpoint with its minimal hop "
                                "count and one predecessor, summarised by namespace and hop count."),
    "can": LazyCommand("netverify.cli.cmd_reach", "Can SRC reach DST? Exit 0 when allowed, 1 when denied."),
    "check": LazyCommand("netverify.cli.cmd_check",
                         "Prove or refute connectivity assertions, for loaded pods or any pod that could exist."),
    "contains": LazyCommand("netverify.cli.cmd_compare",
                            "Does A allow at least every connection B allows? A B, or --git-base REF [PATH...]."),
    "diff": LazyCommand("netverify.cli.cmd_diff",
                        "Semantic connectivity diff: BASE HEAD (files or directories), or --git-base REF [PATH...]."),
    "equiv": LazyCommand("netverify.cli.cmd_compare",
                         "Do policy sets A and B allow exactly the same connections? A B, or --git-base REF "
                         "[PATH...]."),
    "exposure": LazyCommand("netverify.cli.cmd_cluster",
                            "What can be reached from outside the cluster, how, and what can reach the internet."),
    "lint": LazyCommand("netverify.cli.cmd_lint",
                        "Find NetworkPolicy mistakes: selectors that select nothing, named ports that resolve "
                        "nowhere, invalid objects, blocked DNS, unisolated pods, overly broad rules, ipBlocks over "
                        "pod IPs, hostNetwork pods, the two-peers YAML trap, redundant rules."),
    "matrix": LazyCommand("netverify.cli.cmd_reach",
                          "Every ordered pair of endpoints and what traffic is allowed between them."),
    "paths": LazyCommand("netverify.cli.cmd_paths",
                         "The shortest paths from SRC to DST, each hop with what it allows and the rules that admit "
                         "it."),
    "snapshot": LazyCommand("netverify.cli.cmd_cluster",
                            "Write what was read as manifests, to analyse a cluster offline or attach to a bug "
                            "report."),
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when the command is looked up (click's documented
    pattern for lazy subcommands); its command list and the help listing come from COMMANDS without imports."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = COMMANDS.get(cmd_name)
        if cmd_name not in self.commands and lazy is not None:
            import_module(lazy.module)  # registers its commands on this group
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._short_help(ctx, name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str, limit: int) -> str:
        lazy = COMMANDS.get(name)
        if name in self.commands or lazy is None:  # already imported: the command's own words
            command = self.get_command(ctx, name)
            return command.get_short_help_str(limit) if command is not None else ""
        return lazy.short_help(limit)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command, each module imported (for tests and tools that walk the whole interface)."""
        ctx = click.Context(self)
        return {name: command for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None}


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="netverify")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Verify and explain Kubernetes NetworkPolicies.

    Exit codes: 0 pass/allowed, 1 violation/denied, 2 input or usage error,
    3 solver unknown or timeout, 4 internal error.
    """
    ctx.ensure_object(dict)["debug"] = debug



# What a run may write on stderr in all: diagnostics are bounded one by one and in number, this bounds the rest.
MAX_STDERR_CHARS = 4 << 20


def main(argv: Sequence[str] | None = None, *, exiting: bool = False) -> int:
    """Run the CLI and return its exit code (tests call this directly).

    Everything written on stdout and stderr while it runs, whoever writes it (click, a --debug traceback,
    a library's log record), passes through the run's Redactor: credentials the cluster reader registered
    there never appear, and on stderr neither does anything shaped like one. Stderr is bounded in total."""
    args = list(sys.argv[1:] if argv is None else argv)
    redactor = Redactor()
    stdout, stderr = sys.stdout, sys.stderr
    guarded = RedactingStream(stderr, redactor, limit=MAX_STDERR_CHARS)
    sys.stdout, sys.stderr = RedactingStream(stdout, redactor, shapes=False), guarded
    try:
        return _main(args, redactor)
    finally:
        if not exiting:  # a process that runs more commands (tests) gets the frozen objects back to collect;
            end_of_run()  # one that exits now leaves them frozen, or the exit collection walks them all
        sys.stdout, sys.stderr = stdout, stderr
        note = guarded.close_note()
        if note:
            with contextlib.suppress(OSError, ValueError):
                stderr.write(note)


def _main(args: list[str], redactor: Redactor) -> int:
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="netverify", standalone_mode=False, obj={"redactor": redactor})
    except NetverifyError as exc:
        # InputProblem lives with the commands' shared code, imported by every command that can raise it.
        from netverify.cli.common import InputProblem, echo_diagnostics
        if not isinstance(exc, InputProblem):
            return _internal_error(exc, debug)
        echo_diagnostics(exc.diagnostics)
        return EXIT_INPUT
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in _CANNOT_WRITE:
            return _internal_error(exc, debug)
        # A full disk or a failing device is not a bug: say what happened. What is still buffered
        # cannot be written either: drop it, or Python fails again (with a traceback) at exit.
        from netverify.cli.common import silence_stdout
        silence_stdout()
        click.echo(f"error: cannot write the output: {exc.strerror}\n"
                   "  hint: free space on the device, or write the output elsewhere", err=True)
        return EXIT_INPUT
    except Exception as exc:  # a bug: say so plainly, never a raw traceback unless asked
        return _internal_error(exc, debug)
    return int(result or 0)


_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _internal_error(exc: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    # Only the exception's type and where: its message may quote input (a kubeconfig, a Secret).
    click.echo(f"netverify: internal error: {type(exc).__name__}{_bug_location(exc)}\n"
               "  This is a bug in netverify; rerun with --debug and report the traceback "
               "(check it for credentials or other data first).", err=True)
    return EXIT_INTERNAL


def _bug_location(exc: BaseException) -> str:
    """` at netverify/x.py:N` for the innermost netverify frame of the traceback, if any."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        _, sep, rest = frame.filename.replace("\\", "/").rpartition("/netverify/")
        if sep:
            return f" at netverify/{rest}:{frame.lineno}"
    return ""


def run() -> None:
    sys.exit(main(exiting=True))
