"""Package names imported when first asked for (PEP 562), for the packages whose modules are
heavy: importing one light module of such a package (``synth.presets`` or ``model.config`` for
the command line's parser) must not load the rest (SciPy's signal module, LightGBM)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` is taken from the submodule
    ``exports[name]``, imported the first time the name is asked for."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
