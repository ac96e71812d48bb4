"""One exception base (netverify/errors.py, whose docstring draws the tree): every exception class
netverify defines derives from NetverifyError, except the replay mismatches, which are bugs (exit 4)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import netverify
from netverify.errors import NetverifyError

OUTSIDE_THE_TREE = {"ReplayMismatch", "PathReplayMismatch"}  # bugs (exit 4), AssertionErrors on purpose


def defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(netverify.__path__, "netverify."):
        if info.name == "netverify.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


def test_every_exception_netverify_defines_is_in_the_tree() -> None:
    found = defined_exceptions()
    assert len(found) >= 10  # the walk sees them
    stray = sorted(name for name, cls in found.items()
                   if not issubclass(cls, NetverifyError) and cls.__name__ not in OUTSIDE_THE_TREE)
    assert not stray, f"exceptions outside netverify.errors.NetverifyError: {stray}"


def test_the_tree_is_written_down_with_every_member() -> None:
    tree = netverify.errors.__doc__ or ""
    missing = sorted(cls.__name__ for cls in defined_exceptions().values() if cls.__name__ not in tree)
    assert not missing, f"add to the tree in netverify/errors.py: {missing}"
