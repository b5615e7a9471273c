"""The label and gold options the trust commands share with ``judgekit audit``.

:func:`with_inputs` adds them to a command's signature (typer reads ``__signature__``), so
each option is declared once and a command receives ready :class:`LabelSource` and
:class:`GoldSource` values.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # imported when a command runs: the CLI starts fast
    from judgekit.trust._inputs import GoldSource, LabelSource

KW = inspect.Parameter.KEYWORD_ONLY
FILLED = ("source", "gold_source")
"""The parameters :func:`with_inputs` fills; typer never sees them."""


def _opt(annotation: Any, default: Any, help: str, *names: str) -> tuple[Any, Any]:
    return Annotated[annotation, typer.Option(*names, help=help)], default


COMMON: dict[str, tuple[Any, Any]] = {
    "gold": _opt(Path, ..., "Gold file (JSONL/CSV/Parquet) with an id and a human label per "
                 "item.", "--gold"),
    "judge": _opt(list[str] | None, None, "Judge to use, repeatable (in order: a cascade, "
                  "cheap to strong); 'a+b' takes several judges or prompt variants as one "
                  "(their agreement is the confidence). Default: each source's judge(s).",
                  "--judge"),
    "id_col": _opt(str, "id", "Labels file: item id column.", "--id-col"),
    "verdict_col": _opt(str, "verdict", "Labels file: verdict column.", "--verdict-col"),
    "prob_col": _opt(str | None, None, "Labels file: P(verdict) number or JSON object "
                     "(default: probs).", "--prob-col"),
    "order_col": _opt(str | None, None, "Labels file: order column AB/BA.", "--order-col"),
    "judge_col": _opt(str | None, None, "Labels file: judge name column.", "--judge-col"),
    "map_": _opt(list[str] | None, None, "Judge label FROM=TO gold spelling; repeatable.",
                 "--map"),
    "gold_id_col": _opt(str, "id", "Gold: item id column.", "--gold-id-col"),
    "gold_col": _opt(str | None, None, "Gold: label column (default human_label or "
                     "human_score).", "--gold-col"),
    "gold_map": _opt(list[str] | None, None, "Gold label FROM=TO; repeatable.", "--gold-map"),
}


def pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``FROM=TO`` options (``--map``) as a mapping."""
    bad = [v for v in values or [] if "=" not in v]
    if bad:
        raise typer.BadParameter(f"{bad[0]!r} is not FROM=TO", param_hint=option)
    return dict(v.split("=", 1) for v in values or [])


def _sources(labels: list[Path], kw: dict[str, Any]) -> tuple[LabelSource, GoldSource]:
    from judgekit.auditing._options import LabelColumns
    from judgekit.trust._inputs import GoldSource, LabelSource

    columns = LabelColumns(id=kw["id_col"], verdict=kw["verdict_col"], prob=kw["prob_col"],
                           order=kw["order_col"], judge=kw["judge_col"])
    source = LabelSource(tuple(labels), columns, pairs(kw["map_"], "--map"),
                         tuple(kw["judge"] or ()))
    gold = GoldSource(kw["gold"], kw["gold_id_col"], kw["gold_col"],
                      pairs(kw["gold_map"], "--gold-map"))
    return source, gold


def with_inputs(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``fn(labels, ..., source=, gold_source=)`` the shared options instead."""
    # the filled parameters' types are left unresolved: judgekit.trust loads when run
    shown = {k: v for k, v in fn.__annotations__.items() if k not in (*FILLED, "return")}
    hints = typing.get_type_hints(SimpleNamespace(__annotations__=shown),
                                  globalns=fn.__globals__, include_extras=True)
    sig = inspect.signature(fn)
    own = [p.replace(annotation=hints[p.name]) for p in sig.parameters.values()
           if p.name not in FILLED]
    common = [inspect.Parameter(name, KW, default=default, annotation=annotation)
              for name, (annotation, default) in COMMON.items()]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kw = {name: kwargs.pop(name) for name in COMMON}
        source, gold = _sources(args[0] if args else kwargs["labels"], kw)
        return fn(*args, **kwargs, source=source, gold_source=gold)

    params = [*own[:1], *common, *(p.replace(kind=KW) for p in own[1:])]
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper
