"""``trust.html``: the escalation decision and what it saves, on one self-contained page."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from judgekit.trust._cost import cost_lines
from judgekit.trust._write import atomic_text

STYLE = ("body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
         "padding:0 1rem;color:#222}table{border-collapse:collapse;margin:1rem 0}"
         "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}"
         "th:first-child,td:first-child{text-align:left}.big{font-size:1.4rem}"
         ".bar{display:flex;height:1.6rem;border-radius:4px;overflow:hidden;margin:.6rem 0}"
         ".bar div{color:#fff;padding:0 .4rem;white-space:nowrap;font-size:.85rem;"
         "line-height:1.6rem}")
COLOURS = ("#2e7d32", "#1565c0", "#6a1b9a", "#00838f")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _num(x: Any) -> str:
    return "–" if x is None else f"{x:.4f}" if isinstance(x, float) else escape(str(x))


def render(summary: dict[str, Any]) -> str:
    """The page for a ``trust.json`` summary."""
    items = summary["items"] or 1
    bar = "".join(
        f'<div style="width:{100 * s["trusted"] / items:.2f}%;background:'
        f'{COLOURS[k % len(COLOURS)]}">{escape(s["judge"])} {_pct(s["trusted"] / items)}</div>'
        for k, s in enumerate(summary["per_stage"]) if s["trusted"])
    bar += (f'<div style="flex:1;background:#c62828">experts '
            f'{_pct(summary["escalated"] / items)}</div>')
    heads = ("stage", "trusted if", "calibration n", "kept", "agreed", "lower bound",
             "production trusted")
    rows = "".join(
        "<tr>" + "".join(f"<td>{_num(v)}</td>" for v in (
            st["judge"], st["rule"], st["calibration_n"], st["kept"], st["agreed"],
            st["bound"], ps["trusted"])) + "</tr>"
        for st, ps in zip(summary["stages"], summary["per_stage"], strict=True))
    verdict = (f"Trusting {_pct(summary['coverage'])} of {summary['items']:,} labels."
               if summary["certified"] else
               "No threshold could be certified: every item goes to experts" +
               (f" (about {summary['calibration_needed']:,} calibration items would be "
                "needed)." if summary["calibration_needed"] else "."))
    cost = "".join(f"<p>{escape(line)}</p>" for line in cost_lines(summary["cost"]))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>judgekit trust</title>"
        f"<style>{STYLE}</style></head><body><h1>Trust or escalate</h1>"
        f"<p class='big'>{escape(verdict)}</p><div class='bar'>{bar}</div>"
        f"<p>Target agreement with experts <b>{summary['target']:g}</b>, guaranteed with "
        f"probability <b>{1 - summary['delta']:g}</b> over the calibration draw "
        f"({summary['calibration_n']:,} calibration items; delta per stage "
        f"{summary['delta_per_stage']:g}).</p>"
        f"<table><tr>{''.join(f'<th>{h}</th>' for h in heads)}</tr>{rows}</table>"
        f"<h2>Expert time</h2>{cost}</body></html>\n")


def write_html(path: Path, summary: dict[str, Any]) -> Path:
    """Write :func:`render` to ``path``."""
    return atomic_text(path, render(summary))
