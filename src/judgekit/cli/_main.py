"""The ``judgekit`` command line (typer + rich). Errors print without a traceback, exit 1.

Each command lives in the module of its stage and registers itself on :data:`app`:
:mod:`._content` (domains, render, check, new-domain), :mod:`._gold` (gold list/fetch),
:mod:`._run` (run, export, reparse), :mod:`._revise` (revise), :mod:`._audit` (audit),
:mod:`._trust` (qualify, escalate, merge-experts, estimate), :mod:`._probe` (probe).
"""

from __future__ import annotations

# importing a command module registers its commands on the app
from judgekit.cli import _content, _gold, _probe, _revise, _run, _trust  # noqa: F401
from judgekit.cli._app import app as app
from judgekit.cli._app import friendly
from judgekit.cli._audit import audit

app.command()(friendly(audit))


def main() -> None:
    """Entry point of the ``judgekit`` script."""
    app()
