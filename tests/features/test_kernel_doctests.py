"""The examples in the docstrings of :mod:`hms_features.kernels` run as doctests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import hms_features.kernels as kernels

MODULES = sorted(m.name for m in pkgutil.iter_modules(kernels.__path__))


def test_every_module_is_listed():
    assert sorted(kernels.MODULES) == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(f"hms_features.kernels.{name}")
    with np.printoptions(legacy=False):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0, f"hms_features.kernels.{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_function_has_an_example(name):
    module = importlib.import_module(f"hms_features.kernels.{name}")
    finder = doctest.DocTestFinder()
    with_examples = {t.name.rsplit(".", 1)[-1] for t in finder.find(module) if t.examples}
    public = {
        n
        for n, obj in vars(module).items()
        if callable(obj)
        and not n.startswith("_")
        and getattr(obj, "__module__", None) == module.__name__
    }
    assert public <= with_examples, f"without an example: {sorted(public - with_examples)}"
