"""The built-in domains, registered under ``judgekit.domains`` like any plugin.

Their content ships inside the wheel as ``judgekit/_content/<kind>/<domain>/``; in a source
checkout (editable install) it is read from the top-level ``constitutions/ rubrics/ prompts/
suites/`` folders.
"""

from __future__ import annotations

from pathlib import Path

from judgekit._domains import Domain


def content_root() -> Path:
    """Folder holding the built-in ``constitutions/ rubrics/ prompts/ suites/``."""
    packaged = Path(__file__).parent / "_content"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def builtin(name: str, description: str) -> Domain:
    """A built-in domain whose content sits in ``<kind>/<name>/`` under :func:`content_root`."""
    root = content_root()
    return Domain(
        name,
        constitutions=root / "constitutions" / name,
        rubrics=root / "rubrics" / name,
        prompts=root / "prompts" / name,
        suites=root / "suites" / name,
        description=description,
    )


core = builtin("core", "General helpful/honest/harmless judging; the base prompts.")
