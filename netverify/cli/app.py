"""The command group and the entry point: every exception a command raises becomes an exit code here.

Exit codes: 0 pass/allowed, 1 violation/denied, 2 input or usage error,
3 solver unknown/timeout, 4 internal error (a bug: please report it).
"""

from __future__ import annotations

import contextlib
import errno
import sys
import traceback
from collections.abc import Sequence

import click

from netverify.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, InputProblem, echo_diagnostics, silence_stdout
from netverify.loaders.credentials import RedactingStream, Redactor


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
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


def main(argv: Sequence[str] | None = None) -> int:
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
        sys.stdout, sys.stderr = stdout, stderr
        note = guarded.close_note()
        if note:
            with contextlib.suppress(OSError, ValueError):
                stderr.write(note)


def _main(args: list[str], redactor: Redactor) -> int:
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="netverify", standalone_mode=False, obj={"redactor": redactor})
    except InputProblem as exc:
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
    sys.exit(main())
