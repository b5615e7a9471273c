"""The ``judgekit`` typer app and what every command shares: consoles, error handling."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from judgekit._errors import JudgekitError

app = typer.Typer(
    name="judgekit",
    help="Judge with LLMs, cross-checked against human experts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

GoldRoot = Annotated[
    Path | None,
    typer.Option(help="Folder holding the gold sets that 'gold:' item paths point into "
                 "(default: ../shared/gold if present)."),
]

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Print judgekit errors as one clear message and exit 1, instead of a traceback."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except JudgekitError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


