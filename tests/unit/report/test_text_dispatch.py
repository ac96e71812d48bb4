"""The text format imports a renderer module only for the result it writes (issue 19), so its table must name
every result type that has a text renderer, with the module that registers it."""

from __future__ import annotations

import io
from importlib import import_module

import pytest

from netverify.report import text_common, text_format
from netverify.report.text_format import RENDERERS, renderer_module


def _type_of(qualified: str) -> type:
    module, _, name = qualified.rpartition(".")
    found = getattr(import_module(module), name)
    assert isinstance(found, type), qualified
    return found


@pytest.mark.parametrize("qualified", sorted(RENDERERS))
def test_each_named_module_registers_a_renderer_for_its_result_type(qualified: str) -> None:
    result_type = _type_of(qualified)
    import_module(RENDERERS[qualified])
    assert text_common.render.dispatch(result_type) is not text_common.render.dispatch(object), qualified


def test_every_registered_text_renderer_is_in_the_table() -> None:
    for module in set(RENDERERS.values()):
        import_module(module)
    registered = {t for t in text_common.render.registry if t is not object}
    assert {f"{t.__module__}.{t.__qualname__}" for t in registered} == set(RENDERERS)


def test_a_subclass_is_rendered_by_its_base_class_module() -> None:
    base = _type_of("netverify.queries.lint.LintResult")
    assert renderer_module(type("SpecialLint", (base,), {})) == "netverify.report.text_lint"
    assert renderer_module(int) is None


def test_a_type_without_a_text_renderer_is_not_implemented() -> None:
    with pytest.raises(NotImplementedError):
        text_format.render(object(), io.StringIO())

