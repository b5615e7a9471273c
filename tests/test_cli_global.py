"""Global options: --version, -h, --verbose."""

from __future__ import annotations

import os

from typer.testing import CliRunner

import judgekit
from judgekit.cli._main import app

runner = CliRunner()


def test_version_and_short_help() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"judgekit {judgekit.__version__}"
    res = runner.invoke(app, ["-h"])
    assert res.exit_code == 0 and "--verbose" in res.output and "Commands" in res.output
    res = runner.invoke(app, ["run", "-h"])
    assert res.exit_code == 0 and "--executor" in res.output


def test_verbose_lets_engines_print() -> None:
    os.environ.pop("JUDGEKIT_VERBOSE", None)
    try:
        res = runner.invoke(app, ["--verbose", "domains"])
        assert res.exit_code == 0 and os.environ.get("JUDGEKIT_VERBOSE") == "1"
    finally:
        os.environ.pop("JUDGEKIT_VERBOSE", None)
