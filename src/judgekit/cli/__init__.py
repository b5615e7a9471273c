"""The ``judgekit`` command line (typer): every command maps its options onto the Python API."""

from judgekit.cli._main import app, main

__all__ = ["app", "main"]
