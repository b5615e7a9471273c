"""A judgekit domain that cannot load: it imports a dependency that is not installed."""

from pathlib import Path

import judgekit_broken_missing_dependency  # noqa: F401  (not installed, on purpose)

from judgekit import Domain

domain = Domain.at("broken", Path(__file__).parent / "content")
