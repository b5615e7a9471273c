"""Gold commands: ``judgekit gold list`` and ``judgekit gold fetch NAME... | --all``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from judgekit._errors import DataUnavailable, JudgekitError
from judgekit.cli._app import GoldRoot, app, err, friendly, out

# the commands import judgekit.gold when they run: the CLI starts fast

gold_app = typer.Typer(name="gold", no_args_is_help=True,
                       help="The built-in expert gold sets: list them, fetch them into the cache.")
app.add_typer(gold_app, name="gold")


def _where(name: str, gold_root: Path | None) -> str:
    """Where gold set ``name`` is on this machine, in a word or two."""
    from judgekit.gold import explicit_root, locate, shared_gold

    root = locate(f"{name}/data.jsonl", gold_root)
    if root is None:
        return "[yellow]not fetched[/]"
    if explicit_root(gold_root) is not None:
        return "[green]gold root[/]"
    return "[green]shared[/]" if root == shared_gold() else "[green]cached[/]"


@gold_app.command("list")
@friendly
def list_cmd(gold_root: GoldRoot = None) -> None:
    """List the built-in gold sets: items, licence, whether they are on this machine."""
    from judgekit.gold import cache_root, explicit_root, gold_sets, shared_gold

    table = Table("name", "items", "license", "here")
    table.columns[0].no_wrap = True
    for gold in gold_sets():
        mark = "" if gold.redistributable else " *"
        here = _where(gold.name, gold_root) if gold.available else "[red]unavailable[/]"
        table.add_row(gold.name, str(gold.items), gold.license + mark, here)
    out.print(table)
    named = explicit_root(gold_root)  # when given, the only place `gold:` paths are read
    roots = [("gold root", named)] if named else [("shared", shared_gold()),
                                                  ("cached", cache_root())]
    for label, root in roots:
        if root is not None:
            out.print(f"{label}: {root}", markup=False, highlight=False, soft_wrap=True)
    out.print("* fetched only when you accept its licence by name: "
              "judgekit gold fetch NAME --accept-license LICENSE\n"
              "fetch: judgekit gold fetch NAME...  |  judgekit gold fetch --all",
              markup=False, highlight=False, soft_wrap=True)


@gold_app.command("fetch")
@friendly
def fetch_cmd(
    names: Annotated[list[str] | None, typer.Argument(
        help="Gold sets to fetch (see `judgekit gold list`).", show_default=False)] = None,
    all_: Annotated[bool, typer.Option(
        "--all", help="Every set whose licence allows it (plus those named by "
        "--accept-license).")] = False,
    accept_license: Annotated[list[str] | None, typer.Option(
        "--accept-license", metavar="ID", help="Accept this licence (e.g. CC-BY-NC-4.0, "
        "no-license, evaluation-only) to fetch the sets under it; repeatable.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Download and convert again even if cached.")]
    = False,
    mirror: Annotated[str | None, typer.Option(
        envvar="JUDGEKIT_GOLD_MIRROR", help="Base URL (or folder OWNER/REPO/COMMIT/PATH) of "
        "the upstream files (default: GitHub raw files).", show_default=False)] = None,
) -> None:
    """Download a gold set's upstream files, verify their sha256, convert, cache."""
    from judgekit.gold import check_license, fetch_command, fetch_gold, gold_set, gold_sets

    accepted = accept_license or []
    if all_ == bool(names):
        raise JudgekitError("name the gold sets to fetch, or pass --all (not both)"
                            "\n  fix: judgekit gold fetch NAME [NAME...]  or  "
                            "judgekit gold fetch --all")
    chosen = [gold_set(n) for n in names or []] or list(gold_sets())
    failed: list[str] = []
    for gold in chosen:
        try:
            if all_:
                check_license(gold, accepted)
            path = fetch_gold(gold.name, accept_licenses=accepted, base=mirror, force=force,
                              console=err)
        except DataUnavailable as exc:
            if all_ and not gold.redistributable and gold.license.lower() not in \
                    {a.lower() for a in accepted}:
                out.print(f"skipped {gold.name}: licence {gold.license}; to fetch it: "
                          f"{fetch_command(gold)}", markup=False, highlight=False)
                continue
            if len(chosen) == 1:
                raise
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            failed.append(gold.name)
            continue
        out.print(f"{gold.name}: {gold.items} items at {path}", markup=False,
                  highlight=False, soft_wrap=True)
    if failed:
        err.print(f"[bold red]{len(failed)} failed:[/] {', '.join(failed)}", highlight=False)
        raise typer.Exit(1)
