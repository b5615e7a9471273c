"""The public API: a small flat namespace, and one sorted ``__all__`` per public subpackage."""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

import pytest

import judgekit

SUBPACKAGES = ("judgekit.content", "judgekit.backends", "judgekit.run", "judgekit.auditing",
               "judgekit.cli", "judgekit.builtin", "judgekit.gold", "judgekit.trust",
               "judgekit.revise", "judgekit.probe")
MAX_TOP_LEVEL = 30
MAX_PARAMETERS = 8


def modules() -> list[ModuleType]:
    return [judgekit, *(importlib.import_module(name) for name in SUBPACKAGES)]


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.__name__)
def test_all_is_sorted_unique_resolvable_and_documented(module: ModuleType) -> None:
    names = module.__all__
    assert names == sorted(names) and len(set(names)) == len(names)
    assert [n for n in names if n.startswith("_") and n != "__version__"] == []
    for name in names:
        assert hasattr(module, name), f"{module.__name__}.{name} is in __all__ but not defined"
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__module__.startswith("judgekit"), name
            assert inspect.getdoc(obj), f"{module.__name__}.{name} has no docstring"


def test_top_level_stays_small() -> None:
    names = [n for n in judgekit.__all__ if n != "__version__"]
    assert len(names) <= MAX_TOP_LEVEL, names
    assert isinstance(judgekit.__version__, str)


def test_top_level_names_are_the_subpackage_objects() -> None:
    # the flat namespace re-exports, it does not wrap: every name is also in a subpackage
    owners = {n: m for m in modules()[1:] for n in m.__all__}
    owners.update({n: judgekit._errors for n in dir(judgekit._errors) if not n.startswith("_")})
    owners.update({n: judgekit._types for n in dir(judgekit._types) if not n.startswith("_")})
    for name in judgekit.__all__:
        if name == "__version__":
            continue
        assert name in owners, f"judgekit.{name} is not importable from its subpackage"
        assert getattr(judgekit, name) is getattr(owners[name], name)


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.__name__)
def test_no_public_function_takes_more_than_eight_parameters(module: ModuleType) -> None:
    def count(fn: object) -> int:
        params = inspect.signature(fn).parameters  # type: ignore[arg-type]
        return sum(p.name != "self" for p in params.values())

    wide = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj) and module is not judgekit.cli and count(obj) > MAX_PARAMETERS:
            wide.append(f"{name}: {count(obj)}")
        if inspect.isclass(obj):
            for meth_name, meth in vars(obj).items():
                if (inspect.isfunction(meth) and not meth_name.startswith("_")
                        and count(meth) > MAX_PARAMETERS):
                    wide.append(f"{name}.{meth_name}: {count(meth)}")
    assert not wide, wide


def test_every_error_class_is_exported() -> None:
    def subclasses(cls: type) -> set[type]:
        out = set(cls.__subclasses__())
        for sub in list(out):
            out |= subclasses(sub)
        return out

    for cls in subclasses(judgekit.JudgekitError) | {judgekit.JudgekitError}:
        if cls.__module__.startswith("judgekit") and not cls.__name__.startswith("_"):
            assert cls.__name__ in judgekit.__all__, f"{cls.__module__}.{cls.__name__}"
            assert getattr(judgekit, cls.__name__) is cls


def test_errors_are_also_builtin_kinds() -> None:
    assert issubclass(judgekit.ContentError, ValueError)
    assert issubclass(judgekit.PluginError, RuntimeError)
    assert issubclass(judgekit.DomainNotFound, LookupError)
    assert issubclass(judgekit.RunError, RuntimeError)
    assert issubclass(judgekit.BackendError, RuntimeError)
    err = judgekit.ContentError("f.yaml", "bad", where="line 3", fix="do x")
    assert str(err) == "f.yaml, line 3: bad\n  fix: do x"
