"""Content commands: ``domains``, ``render``, ``check``, ``new-domain``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from judgekit._errors import JudgekitError
from judgekit._types import Item
from judgekit.cli._app import GoldRoot, app, friendly, out

# each command imports the content modules it uses when it runs: the CLI starts fast


@app.command()
@friendly
def domains() -> None:
    """List installed domains, their suites, and broken plugins with their error."""
    from judgekit.content._domains import discover, get_domain

    table = Table("domain", "distribution", "suites", "status")
    for name, info in discover().items():
        try:
            dom = get_domain(name)
            table.add_row(name, f"{info.distribution} {info.version}",
                          ", ".join(dom.names("suites")) or "-", "[green]ok[/]")
        except JudgekitError as exc:
            table.add_row(name, f"{info.distribution} {info.version}", "-",
                          f"[red]broken:[/] {exc}")
    out.print(table)


@app.command()
@friendly
def render(
    suite: Annotated[str, typer.Argument(help="Suite: domain/name, a core name, or a .yaml path.")],
    item: Annotated[str | None, typer.Option(
        help="Only this item id (step review: a solution id shows all its steps, "
        "SOLUTION#K one step).")] = None,
    limit: Annotated[int, typer.Option(
        help="Items (step review: solutions) to show when --item is not given.")] = 1,
    rationale: Annotated[bool, typer.Option(help="Render for rationale mode.")] = False,
    gold_root: GoldRoot = None,
) -> None:
    """Print the exact chat messages the judge sees.

    Pairwise: both orders; step review: one request per step; multi-turn items: the
    conversation inside the user message.
    """
    from judgekit.content._suite import load_suite

    loaded = load_suite(suite, gold_root=gold_root, mode="rationale" if rationale else None)
    items = _pick(loaded.items, item, limit)
    if item and not items:
        raise JudgekitError(f"suite {loaded.ref} has no item {item!r}")
    system = loaded.renderer.system_message()
    for it in items:
        for req in loaded.renderer.requests(it, system):
            out.rule(f"item {req.item_id}  order {req.order}")
            for msg in req.messages:
                out.print(f"[bold]--- {msg.role} ---[/]")
                out.print(msg.content, markup=False, highlight=False, soft_wrap=True)


def _pick(items: Iterable[Item], wanted: str | None, limit: int) -> list[Item]:
    """Items with id (step review: or solution id) ``wanted``, else the first ``limit``.

    Step review counts solutions; the items are read no further than needed.
    """
    out: list[Item] = []
    groups: list[object] = []
    for it in items:
        group = it.fields.get("solution_id", it.id)
        if wanted is not None:
            if wanted in (it.id, group):
                out.append(it)
            elif out and group != out[-1].fields.get("solution_id", out[-1].id):
                break  # a solution's steps come together: nothing more to find
            continue
        if group not in groups[-1:]:
            if len(groups) == limit:
                break
            groups.append(group)
        out.append(it)
    return out


@app.command("check")
@friendly
def check_cmd(
    target: Annotated[str | None, typer.Argument(
        help="A domain, a suite (domain/name or .yaml path); default: every installed domain.")]
    = None,
    gold_root: GoldRoot = None,
) -> None:
    """Validate content: load every file and render every item of every suite in both orders."""
    from judgekit.content._check import check

    results = check(target, gold_root=gold_root)
    table = Table(Column("target", overflow="fold"), "status", Column("detail", overflow="fold"))
    colour = {"ok": "green", "skipped": "yellow", "failed": "red"}
    for r in results:
        table.add_row(escape(r.target), f"[{colour[r.status]}]{r.status}[/]", escape(r.detail))
    out.print(table)
    for r in results:  # whole lines, never cut to the width: what to grep and fix
        if r.status == "failed":
            out.print(f"failed: {r.target}: {r.detail}", markup=False, highlight=False,
                      soft_wrap=True)
    failed = sum(r.status == "failed" for r in results)
    out.print(f"{len(results)} checked, {failed} failed, "
              f"{sum(r.status == 'skipped' for r in results)} skipped")
    if failed:
        raise typer.Exit(1)


@app.command("new-domain")
@friendly
def new_domain_cmd(
    name: Annotated[str, typer.Argument(help="Domain name (lowercase letters, digits, _).")],
    dir: Annotated[Path | None, typer.Option(
        "--dir", help="Folder to create (default: ./judgekit-NAME).")] = None,
    extra: Annotated[list[str] | None, typer.Option(
        "--with", help="Also write a suite of this task type (repeatable): step-review.")]
    = None,
) -> None:
    """Scaffold a domain plugin package: pyproject entry point, content folders, suite, test."""
    from judgekit.content._scaffold import new_domain

    files = new_domain(name, dir, extra=extra or ())
    root = dir or Path(f"judgekit-{name}")
    out.print(f"wrote {len(files)} files under [bold]{root}[/]")
    out.print(f"next: pip install -e {root} && judgekit check {name}", markup=False)


