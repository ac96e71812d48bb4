"""A loaded inventory is kept out of the cyclic garbage collector's walks for the rest of the run, and handed
back when the run ends (netverify.runtime: kept_for_the_run, end_of_run), so a process that runs several
commands (these tests, an editor integration) collects its garbage as before; the console script, which exits
right after, leaves it frozen (the interpreter's last collection would otherwise walk all of it)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from netverify.cli.app import main
from netverify.cli.common import read_paths

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")


@pytest.fixture(autouse=True)
def _nothing_frozen_around() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_loading_keeps_the_inventory_out_of_the_collectors_walks() -> None:
    result = read_paths([DEMO], "default")
    assert result.cluster.pods
    pod = result.cluster.pods[0]
    assert gc.get_freeze_count() > 0 and gc.is_tracked(pod)
    assert all(seen is not pod for seen in gc.get_objects())  # the collector's generations do not hold it


def test_a_run_hands_everything_back_to_the_collector_when_it_ends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", DEMO, "--format", "json"]) == 0
    assert '"connections"' in capsys.readouterr().out
    assert gc.get_freeze_count() == 0


def test_a_run_that_fails_hands_everything_back_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata: [\n")
    assert main(["matrix", str(bad)]) == 2
    assert "bad.yaml:" in capsys.readouterr().err
    assert gc.get_freeze_count() == 0


def test_the_console_script_leaves_the_frozen_objects_for_the_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", DEMO, "--format", "json"], exiting=True) == 0
    assert '"connections"' in capsys.readouterr().out
    assert gc.get_freeze_count() > 0
