"""Names a package loads from its modules on first use (PEP 562 ``__getattr__``/``__dir__``).

A package lists, per module, the names it re-exports; :func:`lazy_names` returns the pair of
module-level functions that load one of them when it is first read and keep it in the
package's namespace, so importing the package loads none of those modules.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, table: Mapping[str, tuple[str, ...]]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Args:
        package: The package's ``__name__``.
        table: Module to load -> the names the package takes from it.

    Returns:
        ``(__getattr__, __dir__)``, to be bound at the package's module level.

    """
    owner = {name: module for module, names in table.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = owner.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *owner})

    return __getattr__, __dir__
