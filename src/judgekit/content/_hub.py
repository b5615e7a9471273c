"""Hugging Face ``datasets`` as item sources: a folder saved by ``save_to_disk``, or the Hub.

The only module that imports ``datasets`` (the ``hf`` extra). A saved folder is opened with
``datasets.load_from_disk`` (memory-mapped Arrow, read a batch at a time); a Hub dataset
with ``datasets.load_dataset(..., streaming=True)``, so nothing is downloaded whole. The Hub
is not reachable from judgekit's own test machines: tests use saved folders, and the Hub
path is the same code with ``load_dataset`` in place of ``load_from_disk``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from judgekit._errors import ContentError
from judgekit.content._location import Location, unavailable


def dataset_batches(loc: Location, size: int) -> Iterator[Any]:
    """Arrow tables of at most ``size`` rows from a saved or Hub dataset."""
    try:
        import datasets
    except ModuleNotFoundError:
        raise unavailable(loc, "reading a Hugging Face dataset needs the 'datasets' package",
                          "pip install 'judgekit[hf]'") from None
    if loc.kind == "saved":
        try:
            data = datasets.load_from_disk(str(loc.path))
        except (OSError, ValueError) as exc:
            raise ContentError(loc.path, f"cannot open the saved dataset: {exc}",
                               fix="save it again with Dataset.save_to_disk") from None
    else:
        data = _hub(datasets, loc)
    data = _pick_split(data, loc)
    yield from data.with_format("arrow").iter(batch_size=size)


def _hub(datasets: Any, loc: Location) -> Any:
    try:
        return datasets.load_dataset(loc.name, loc.config, split=loc.split,
                                     revision=loc.revision, streaming=True)
    except Exception as exc:  # the Hub client raises many types; all mean "not here"
        raise unavailable(loc, f"cannot open {loc.name!r} on the Hugging Face Hub "
                          f"({type(exc).__name__}: {str(exc)[:200]})",
                          "check the name, split, revision and your network (HF_TOKEN for "
                          "gated sets); or save the dataset with save_to_disk on a machine "
                          "that reaches the Hub and point 'items:' at that folder") from None


def _pick_split(data: Any, loc: Location) -> Any:
    """The split a dataset dictionary holds under ``loc.split`` (or its only split)."""
    if not hasattr(data, "keys"):  # a single split already
        if loc.split is not None and loc.kind == "saved":
            raise ContentError(loc.path, f"the saved dataset has no splits; '?split="
                               f"{loc.split}' cannot be chosen", where="field 'items'",
                               fix="leave out '?split='")
        return data
    splits = list(data.keys())
    if loc.split is None and len(splits) == 1:
        return data[splits[0]]
    if loc.split not in splits:
        raise ContentError(loc.path or loc.text, f"choose a split: the dataset has "
                           f"{splits}" + (f", not {loc.split!r}" if loc.split else ""),
                           where="field 'items'", fix=f"write '?split={splits[0]}' after the "
                           "items location")
    return data[loc.split]
