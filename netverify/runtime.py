"""Process-level helpers shared by every layer (floor 0: imports nothing of netverify).

`without_gc` pauses the cyclic garbage collector around work that allocates many objects that
all survive (loading an inventory, building an engine's rows).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
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
