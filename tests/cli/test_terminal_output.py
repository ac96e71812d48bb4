"""Output made for where it goes: progress on a terminal's stderr, colour rules, width, whole cells, pictures."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from netverify.cli import main
from netverify.cli.terminal import output_width, wants_color

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def netverify(*args: str, env: dict[str, str] | None = None, stderr_on_terminal: bool = False) -> tuple[int, str, str]:
    """Run the installed CLI as a user would; stderr on a pseudo-terminal when asked, stdout into a file."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    environment.update(env or {})
    with tempfile.TemporaryFile() as out:
        if not stderr_on_terminal:
            done = subprocess.run([sys.executable, "-m", "netverify", *args], stdout=out, stderr=subprocess.PIPE,
                                  env=environment, cwd=ROOT, check=False, timeout=300)
            out.seek(0)
            return done.returncode, out.read().decode(), done.stderr.decode()
        leader, follower = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "netverify", *args], stdout=out, stderr=follower,
                                env={**environment, "TERM": "xterm"}, cwd=ROOT)
        os.close(follower)
        err = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                err += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=300)
        os.close(leader)
        out.seek(0)
        return proc.returncode, out.read().decode(), err.decode(errors="replace")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("gen")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_cluster.py"), "--pods", "300", "--policies", "30",
                    "--out", str(where)], check=True, capture_output=True)
    return where


# --- progress


def test_progress_shows_the_phases_on_a_terminal_and_leaves_stdout_alone(generated: Path) -> None:
    code, out, err = netverify("matrix", str(generated / "cluster"), str(generated / "policies"), "-f", "json",
                               stderr_on_terminal=True)
    assert code == 0
    text = ANSI.sub("", err)
    assert "rows of" in text and "endpoints" in text
    assert out.startswith("{") and ANSI.search(out) is None, "the report itself is untouched"


def test_quiet_silences_the_progress(generated: Path) -> None:
    code, _, err = netverify("matrix", str(generated / "cluster"), str(generated / "policies"), "-f", "json", "-q",
                             stderr_on_terminal=True)
    assert code == 0 and err == ""


def test_no_progress_when_stderr_is_piped(generated: Path) -> None:
    code, _, err = netverify("matrix", str(generated / "cluster"), str(generated / "policies"), "-f", "json")
    assert code == 0 and err == ""


# --- colour


@pytest.mark.parametrize(("choice", "env", "tty", "expected"), [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ("auto", {"NO_COLOR": ""}, True, True),  # an empty NO_COLOR is unset (no-color.org)
    ("auto", {"TERM": "dumb"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),
    ("never", {"FORCE_COLOR": "1"}, True, False),
])
def test_colour_follows_the_choice_the_environment_and_the_stream(choice: str, env: dict[str, str], tty: bool,
                                                                  expected: bool) -> None:
    class Stream:
        def isatty(self) -> bool:
            return tty

    assert wants_color(choice, Stream(), env) is expected  # type: ignore[arg-type]


def test_verdicts_are_coloured_when_forced_and_plain_when_piped() -> None:
    _, forced, _ = netverify("can", "shop/debug", "data/postgres", "fixtures/demo", "--port", "5432",
                             env={"FORCE_COLOR": "1"})
    assert re.search(r"\x1b\[[0-9;]*31m[^\n]*DENIED", forced), "DENIED in red"
    _, plain, _ = netverify("can", "shop/debug", "data/postgres", "fixtures/demo", "--port", "5432")
    assert ANSI.search(plain) is None and plain.startswith("DENIED")
    _, never, _ = netverify("can", "shop/debug", "data/postgres", "fixtures/demo", "--port", "5432", "--color",
                            "never", env={"FORCE_COLOR": "1"})
    assert ANSI.search(never) is None


# --- width and whole cells


def test_width_comes_from_columns_and_pipes_are_unbounded() -> None:
    class Pipe:
        def isatty(self) -> bool:
            return False

    assert output_width(Pipe(), {"COLUMNS": "77"}) == 77  # type: ignore[arg-type]
    assert output_width(Pipe(), {}) is None  # type: ignore[arg-type]


def test_a_narrow_terminal_folds_a_file_line_but_never_cuts_it() -> None:
    code, out, _ = netverify("exposure", "fixtures/demo", env={"COLUMNS": "70"})
    assert code == 0
    table = [line for line in out.splitlines() if line[:1] in "│┃┏┗┡└┌"]
    assert table and max(len(line) for line in table) <= 70, "tables fit (prose lines wrap in the terminal)"
    assert "…" not in out
    joined = "".join(line.strip("│ ┃") for line in out.splitlines())
    assert re.search(r"fixtures/demo/policies\.yaml:\d+", joined.replace("│", "").replace(" ", ""))


def test_piped_tables_keep_every_file_line_on_one_line() -> None:
    _, out, _ = netverify("exposure", "fixtures/demo")
    rows = [line for line in out.splitlines() if "policies.yaml" in line]
    assert rows and all(re.search(r"policies\.yaml:\d+\)", line) for line in rows)


def test_no_matrix_cell_is_a_ditto_blank(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "fixtures/demo"]) == 0
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in capsys.readouterr().out.splitlines()
            if line.startswith("│")]
    assert rows and all(all(cells) for cells in rows), "every line names source, destination and what is allowed"


# --- pictures


def test_dot_draws_all_traffic_faintly_and_the_internet_as_one_node(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "fixtures/demo", "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert re.search(r'"shop/Deployment/web" -> "shop/Deployment/api" \[label="TCP:8000"', dot)
    assert re.search(r'"data/CronJob/backup" -> "kube-system/Deployment/coredns" \[color="#b8b8b8", style=dashed',
                     dot), "an edge allowing everything is faint and unlabelled"
    assert '"(outside the cluster)" -> "shop/Deployment/web" [label="TCP:8080"' in dot
    assert '"shop/Deployment/api" -> "(outside the cluster)" [label="TCP:443"' in dot


def test_svg_is_drawn_by_graphviz() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("NETVERIFY_REQUIRE_GRAPHVIZ"):
            pytest.fail("Graphviz's dot is missing")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz; .ci/run installs it)")
    code, out, _ = netverify("matrix", "fixtures/demo", "--format", "svg")
    assert code == 0
    assert "<svg" in out and "Deployment/web" in out and "TCP:8000" in out


def test_svg_without_graphviz_says_how_to_get_it(tmp_path: Path) -> None:
    python_only = tmp_path / "bin"
    python_only.mkdir()
    (python_only / "python").symlink_to(sys.executable)
    code, out, err = netverify("matrix", "fixtures/demo", "--format", "svg", env={"PATH": str(python_only)})
    assert code == 2 and out == ""
    assert "graphviz" in err.lower() and "--format dot" in err
