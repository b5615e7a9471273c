"""Which converter turns each gold set's upstream files into gold rows, and running it."""

from __future__ import annotations

from judgekit.gold import _pairwise, _rubric
from judgekit.gold._common import Converter, Files, Row, to_jsonl
from judgekit.gold._registry import GoldSet

CONVERTERS: dict[str, Converter] = {
    "codeprefbench-human": _pairwise.codeprefbench,
    "conala-human-grades": _rubric.conala,
    "dices-350-safety": _rubric.dices,
    "hh-rlhf-harmless-base-test": _pairwise.hh_rlhf,
    "hhh-alignment": _pairwise.hhh_alignment,
    "judgebench": _pairwise.judgebench,
    "kqa-physician-nli": _rubric.kqa_nli,
    "llmbar": _pairwise.llmbar,
    "pandalm-test": _pairwise.pandalm,
    "roscoe-gsm8k-steps": _rubric.roscoe,
}
"""Gold set name -> its converter."""


def convert_rows(gold: GoldSet, files: Files) -> list[Row]:
    """The gold rows of ``gold``, converted from its upstream files' bytes.

    Args:
        gold: The registry entry.
        files: Upstream file path (as in ``gold.files``) -> its bytes.

    Raises:
        KeyError: A file the converter needs is missing from ``files``.
        ValueError: The files are not in the upstream format the converter expects.

    """
    return CONVERTERS[gold.name](gold, files)


def convert(gold: GoldSet, files: Files) -> bytes:
    """``gold``'s ``data.jsonl`` bytes, converted from its upstream files (see above)."""
    return to_jsonl(convert_rows(gold, files))
