"""The GraphQL types package (``api.types``): a module per domain that imports on its own (no
import cycle), and no type that inherits fields from another object type (no mixins)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

import api.types

MODULES = sorted(m.name for m in pkgutil.iter_modules(api.types.__path__))


@pytest.mark.parametrize("module", MODULES)
def test_each_types_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", f"import api.types.{module}"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def _strawberry_types(module: str) -> list[type]:
    mod = importlib.import_module(f"api.types.{module}")
    return [
        obj
        for _name, obj in inspect.getmembers(mod, inspect.isclass)
        if obj.__module__ == mod.__name__ and hasattr(obj, "__strawberry_definition__")
    ]


@pytest.mark.parametrize("module", MODULES)
def test_no_object_type_inherits_the_fields_of_another(module: str) -> None:
    allowed = {"Connection", "SearchHit"}  # the generic connection, the search-hit interface
    for cls in _strawberry_types(module):
        inherited = [
            base.__name__
            for base in cls.__mro__[1:]
            if hasattr(base, "__strawberry_definition__") and base.__name__ not in allowed
        ]
        assert not inherited, f"{cls.__name__} inherits fields from {inherited}"
