"""Expert gold for everyone: a registry of the built-in gold sets, fetched and verified.

Every built-in gold set is pinned to an upstream repository commit and the sha256 of its
files (:func:`gold_sets`), with its licence and citation, and has a converter from the
upstream format to the gold schema. :func:`fetch_gold` downloads (resuming), verifies,
converts and caches a set under the user cache dir (:func:`cache_root`);
:func:`gold_root_for` is how ``gold:`` item paths find it (``--gold-root`` >
``JUDGEKIT_GOLD_ROOT`` > ``../shared/gold`` > the cache, fetching on first use where the
licence and the terminal allow). The CLI is ``judgekit gold list`` / ``judgekit gold fetch``.
See ``docs/gold.md``.
"""

from judgekit.gold._cache import cache_root, cached, provenance
from judgekit.gold._convert import convert, convert_rows
from judgekit.gold._fetch import check_license, fetch_command, fetch_gold, gold_set
from judgekit.gold._registry import GoldSet, UpstreamFile, gold_sets
from judgekit.gold._root import auto_fetch, explicit_root, gold_root_for, locate, shared_gold

__all__ = [
    "GoldSet",
    "UpstreamFile",
    "auto_fetch",
    "cache_root",
    "cached",
    "check_license",
    "convert",
    "convert_rows",
    "explicit_root",
    "fetch_command",
    "fetch_gold",
    "gold_root_for",
    "gold_set",
    "gold_sets",
    "locate",
    "provenance",
    "shared_gold",
]
