"""runtime.survivors_frozen: a CLI command's computation runs with the cyclic collector paused, and what it
built is left out of every later collection (frozen), whether it returns or raises."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from netverify.runtime import survivors_frozen


@pytest.fixture
def collector() -> Iterator[None]:
    """Each test starts with the collector on and nothing frozen, and leaves the process as it found it."""
    was_enabled = gc.isenabled()
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    if not was_enabled:
        gc.disable()


@pytest.mark.usefixtures("collector")
def test_the_computation_runs_paused_and_what_it_built_is_frozen() -> None:
    with survivors_frozen():
        assert not gc.isenabled()
        built = [{"survivor": [i]} for i in range(100)]  # dicts holding containers: tracked by the collector
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)
    collectable = {id(x) for x in gc.get_objects()}  # every generation a collection walks
    assert all(gc.is_tracked(x) and id(x) not in collectable for x in built)


@pytest.mark.usefixtures("collector")
def test_a_failing_computation_still_gives_the_collector_back() -> None:
    with pytest.raises(ValueError), survivors_frozen():
        raise ValueError("bad input")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_a_collector_paused_before_stays_paused() -> None:
    gc.disable()
    with survivors_frozen():
        pass
    assert not gc.isenabled()
