"""The runnable examples in docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import panet

MODULES = sorted(
    name
    for module in pkgutil.walk_packages(panet.__path__, "panet.")
    if not (name := module.name).endswith("__main__") and not name.startswith("panet._")
)


@pytest.mark.parametrize("name", ["panet", *MODULES])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
