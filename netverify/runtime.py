"""Process-level helpers shared by every layer (floor 0: imports nothing of netverify).

`without_gc` pauses the cyclic garbage collector around work that allocates many objects that
all survive (loading an inventory, building an engine's rows); `survivors_frozen` does so for a
command's whole computation and then exempts what it built from every later collection.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def without_gc(fn: Callable[P, T]) -> Callable[P, T]:
    """Run `fn` with the cyclic garbage collector paused.

    Building rows allocates millions of small tuples and dicts that all survive; each time they
    pile up, the collector walks every live object, the whole loaded inventory included. Nothing
    built here forms reference cycles, so pausing it changes no result and halves the time.
    """
    @functools.wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> T:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()
    return paused


@contextmanager
def survivors_frozen() -> Iterator[None]:
    """Run a command's computation with the cyclic collector paused, then freeze what it built.

    A CLI command loads an inventory, compiles it and builds its engines: tens of millions of objects
    that form no garbage cycles and live until the process ends. With the collector running, its
    young generations walk each freshly built batch and its full collections walk the whole heap, once
    more when the interpreter exits (~8 s of a 100,000-pod lint's 90 s CPU). Paused while they are built
    and frozen afterwards (`gc.freeze`: moved to the permanent generation, never walked again), they
    cost nothing; what is allocated later (the report being written) is collected as usual. For the
    CLI only (the process is the command's): library callers keep their collector as it is.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
