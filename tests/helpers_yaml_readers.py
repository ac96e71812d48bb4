"""Both input paths under one set of tests: the fast reader (yaml-rs, when installed) and the located
PyYAML reader it falls back to.

The loader and robustness tests run once per reader, so a promise (a located error, a limit, a
refused shape) that holds on one path and not the other fails the suite. Without yaml-rs installed
there is one reader, the located one, and each test runs once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netverify.loaders import fastyaml

READERS = ["fast", "pyyaml"] if fastyaml.available() else ["pyyaml"]


@pytest.fixture(scope="module", params=READERS, autouse=True)
def yaml_reader(request: pytest.FixtureRequest) -> Iterator[str]:
    """Module-scoped (hypothesis refuses function-scoped fixtures around @given tests)."""
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "pyyaml":
            mp.setenv(fastyaml.ENVIRONMENT, "pyyaml")
        else:
            mp.delenv(fastyaml.ENVIRONMENT, raising=False)
        yield request.param
