"""Every kernel module and every public kernel has a docstring example.

The examples themselves run as doctests with the rest of the package's (``--doctest-modules``
over ``hms_features``, configured in ``pyproject.toml``); this checks that they exist.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hms_features.kernels as kernels

MODULES = sorted(m.name for m in pkgutil.iter_modules(kernels.__path__))


def test_every_module_is_listed():
    assert sorted(kernels.MODULES) == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_every_public_function_has_an_example(name):
    module = importlib.import_module(f"hms_features.kernels.{name}")
    finder = doctest.DocTestFinder()
    with_examples = {t.name.rsplit(".", 1)[-1] for t in finder.find(module) if t.examples}
    assert with_examples, f"hms_features.kernels.{name} has no examples"
    public = {
        n
        for n, obj in vars(module).items()
        if callable(obj)
        and not n.startswith("_")
        and getattr(obj, "__module__", None) == module.__name__
    }
    assert public <= with_examples, f"without an example: {sorted(public - with_examples)}"
