"""The ``judgekit`` typer app and what every command shares: consoles, error handling."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from judgekit._errors import JudgekitError

app = typer.Typer(
    name="judgekit",
    help="Judge with LLMs, cross-checked against human experts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console()
err = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from judgekit._version import __version__

        out.print(f"judgekit {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print judgekit's version and exit.")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", help="Show the model engines' own start-up output and warnings.")] =
    False,
) -> None:
    """Judge with LLMs, cross-checked against human experts."""
    if verbose:  # read by the backends when they start an engine
        os.environ["JUDGEKIT_VERBOSE"] = "1"

GoldRoot = Annotated[
    Path | None,
    typer.Option(help="Folder holding the gold sets that 'gold:' item paths point into "
                 "(default: $JUDGEKIT_GOLD_ROOT, else ../shared/gold, else the gold cache; "
                 "see 'judgekit gold list').", exists=True, file_okay=False),
]

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> NoReturn:
    """Print one error message (no traceback) and exit 1."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def friendly(fn: F) -> F:
    """Print user errors as one clear message and exit 1, instead of a traceback.

    judgekit errors already name the file, line or field and the fix. A path the operating
    system refuses (a file where a folder is expected, a missing or unwritable folder) is an
    ``OSError``: it is reported with the path and the reason.
    """
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except JudgekitError as exc:
            fail(str(exc))
        except OSError as exc:
            where = exc.filename if exc.filename is not None else "a path"
            fail(f"{where}: {exc.strerror or exc}\n  fix: check the path (a folder where a "
                 "folder is expected, that exists and that you may write)")

    return wrapper  # type: ignore[return-value]


