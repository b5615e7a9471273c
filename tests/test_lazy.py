"""judgekit._lazy: a package's names load their module on first read, and only then."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from judgekit._lazy import lazy_names


def _package(name: str) -> types.ModuleType:
    pkg = types.ModuleType(name)
    sys.modules[name] = pkg
    return pkg


def test_a_name_loads_its_module_once_and_stays_in_the_package() -> None:
    pkg = _package("lazy_probe_pkg")
    try:
        get, names = lazy_names(pkg.__name__, {"json": ("dumps",), "textwrap": ("dedent",)})
        assert get("dumps") is __import__("json").dumps
        assert vars(pkg)["dumps"] is __import__("json").dumps  # kept: no second lookup
        assert "dedent" not in vars(pkg)
        assert {"dumps", "dedent"} <= set(names())
        with pytest.raises(AttributeError, match="'lazy_probe_pkg' has no attribute 'nope'"):
            get("nope")
    finally:
        del sys.modules["lazy_probe_pkg"]


@pytest.mark.parametrize(("package", "name", "module"), [
    ("judgekit", "audit", "judgekit.auditing"),
    ("judgekit.run", "Store", "judgekit.run._store"),
])
def test_packages_load_a_module_only_when_its_name_is_read(package: str, name: str,
                                                            module: str) -> None:
    code = (f"import sys, {package} as p; before = {module!r} in sys.modules; "
            f"getattr(p, {name!r}); print(before, {module!r} in sys.modules, "
            f"{name!r} in dir(p))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "True"]
