"""Render an audit report as one self-contained HTML file with inline SVG plots.

Nothing is fetched at view time: styles are inline, plots are SVG drawn here from the report
data (agreement with CI beside the human ceiling per slice, confusion matrix, reliability
diagram, position and length bias). The page layout lives in ``_templates/report.html.j2``.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined, select_autoescape
from markupsafe import Markup

JUDGE = "#1f6feb"
"""Colour of the judge's figures."""
HUMAN = "#e8590c"
"""Colour of the human ceiling / gold figures."""
HEAT = (16, 122, 87)
"""Confusion-matrix colour at its largest cell."""

_W = 640


def _fmt(v: float | None, digits: int = 3) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        + "".join(body) + "</svg>")


def _text(x: float, y: float, s: str, anchor: str = "start", size: int = 12,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="#222">{escape(s)}</text>')


def _interval_rows(rows: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]],
                   title: str, ref: float | None = None) -> Markup:
    """Dot-and-whisker rows on a 0..1 axis: judge (blue) and human/gold (orange) per row."""
    left, right, row_h = 190, 70, 30
    height = 40 + row_h * len(rows) + 30
    x0, x1 = left, _W - right

    def sx(v: float) -> float:
        return x0 + (x1 - x0) * max(0.0, min(1.0, v))

    body = [f'<rect width="{_W}" height="{height}" fill="#fff"/>', _text(10, 18, title, size=13,
                                                                          weight="bold")]
    for t in range(0, 11, 2):
        x = sx(t / 10)
        body.append(f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="{height - 25}" '
                    'stroke="#e5e5e5"/>')
        body.append(_text(x, height - 10, f"{t / 10:.1f}", "middle", 11))
    if ref is not None:
        body.append(f'<line x1="{sx(ref):.1f}" y1="30" x2="{sx(ref):.1f}" y2="{height - 25}" '
                    'stroke="#888" stroke-dasharray="4 3"/>')
    for i, (label, judge, human) in enumerate(rows):
        y = 40 + row_h * i + row_h / 2
        body.append(_text(left - 8, y + 4, label[:28], "end"))
        for stat, colour, dy in ((judge, JUDGE, -5), (human, HUMAN, 5)):
            if not stat or stat.get("value") is None:
                continue
            ci = stat.get("ci")
            if ci:
                body.append(f'<line x1="{sx(ci[0]):.1f}" y1="{y + dy:.1f}" x2="{sx(ci[1]):.1f}" '
                            f'y2="{y + dy:.1f}" stroke="{colour}" stroke-width="3"/>')
            body.append(f'<circle cx="{sx(stat["value"]):.1f}" cy="{y + dy:.1f}" r="5" '
                        f'fill="{colour}"/>')
        if judge and judge.get("value") is not None:
            body.append(_text(x1 + 6, y + 4, _fmt(judge["value"]), size=11))
    return _svg(_W, height, body, title)


def _confusion(conf: dict[str, Any]) -> Markup | None:
    matrix = conf.get("matrix")
    if not matrix:
        return None
    labels = [str(x) for x in conf["labels"]]
    k = len(labels)
    cell = max(28, min(70, 360 // max(k, 1)))
    left, top = 120, 60
    size = (left + cell * k + 20, top + cell * k + 20)
    top_v = max(max(r) for r in matrix) or 1
    body = [f'<rect width="{size[0]}" height="{size[1]}" fill="#fff"/>',
            _text(10, 18, "Confusion matrix (rows: gold, columns: judge)", size=13,
                  weight="bold")]
    for j, lab in enumerate(labels):
        body.append(_text(left + cell * j + cell / 2, top - 8, lab[:10], "middle", 11))
    for i, row in enumerate(matrix):
        body.append(_text(left - 8, top + cell * i + cell / 2 + 4, labels[i][:14], "end", 11))
        for j, v in enumerate(row):
            a = v / top_v
            rgb = tuple(round(255 - (255 - c) * a) for c in HEAT)
            body.append(f'<rect x="{left + cell * j}" y="{top + cell * i}" width="{cell - 2}" '
                        f'height="{cell - 2}" fill="rgb{rgb}"/>')
            colour = "#fff" if a > 0.55 else "#222"
            tx, ty = left + cell * j + cell / 2 - 1, top + cell * i + cell / 2 + 4
            body.append(f'<text x="{tx}" y="{ty}" font-size="11" text-anchor="middle" '
                        f'fill="{colour}">{v}</text>')
    return _svg(size[0], size[1], body, "confusion matrix")


def _reliability(cal: dict[str, Any]) -> Markup | None:
    if not cal.get("available"):
        return None
    side, left, top = 300, 50, 30
    body = [f'<rect width="{side + left + 30}" height="{side + top + 45}" fill="#fff"/>',
            _text(10, 18, "Reliability diagram (top-label)", size=13, weight="bold"),
            f'<line x1="{left}" y1="{top + side}" x2="{left + side}" y2="{top}" '
            'stroke="#888" stroke-dasharray="4 3"/>',
            f'<rect x="{left}" y="{top}" width="{side}" height="{side}" fill="none" '
            'stroke="#ccc"/>']
    for b in cal["bins"]:
        if not b["n"]:
            continue
        x = left + side * b["lo"]
        h = side * b["accuracy"]
        body.append(f'<rect x="{x + 2:.1f}" y="{top + side - h:.1f}" width="{side / 10 - 4:.1f}" '
                    f'height="{h:.1f}" fill="{JUDGE}"/>')
        cy = top + side - side * b["confidence"]
        body.append(f'<circle cx="{x + side / 20:.1f}" cy="{cy:.1f}" r="4" fill="{HUMAN}"/>')
    for t in range(0, 11, 5):
        body.append(_text(left + side * t / 10, top + side + 15, f"{t / 10:.1f}", "middle", 11))
        body.append(_text(left - 6, top + side - side * t / 10 + 4, f"{t / 10:.1f}", "end", 11))
    body.append(_text(left + side / 2, top + side + 35, "confidence (bars: accuracy, dots: mean "
                      "confidence)", "middle", 11))
    return _svg(side + left + 30, side + top + 45, body, "reliability diagram")


def _bias_rows(bias: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None,
                                                   dict[str, Any] | None]]:
    rows: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = []
    pos, length, selfp = bias["position"], bias["length"], bias["self_preference"]
    if pos.get("available"):
        rows.append(("P(prefer first shown)", pos["p_first"]["judge"], pos["p_first"]["gold"]))
        if pos.get("consistency"):
            rows.append(("position consistency", pos["consistency"], None))
    if length.get("available"):
        rows.append(("P(prefer longer)", length["p_longer"]["judge"],
                     length["p_longer"]["gold"]))
    if selfp.get("available") and "p_own" in selfp:
        rows.append(("P(prefer own family)", selfp["p_own"]["judge"], selfp["p_own"]["gold"]))
    return rows


def _slice_rows(report: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None,
                                                      dict[str, Any] | None]]:
    main = "agreement"
    ceil = report["ceiling"]
    rows = [("all items", report["agreement"].get(main), ceil.get("loo_human"))]
    for s in report["slices"]:
        if s.get("truncated"):
            continue
        rows.append((f"{s['column']}={s['value']} (n={s['n']})", s.get(main), s.get("loo_human")))
    return rows[:40]


def render_html(report: dict[str, Any]) -> str:
    """The report page for report data (as written to ``report.json``)."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = _fmt
    page = resources.files("judgekit.auditing").joinpath("_templates/report.html.j2")
    text = page.read_text("utf-8")
    tpl = env.from_string(text)
    bias_rows = _bias_rows(report["bias"])
    plots = {
        "slices": _interval_rows(_slice_rows(report), "Agreement, 95% CI: judge (blue) vs human "
                                 "ceiling, leave-one-out (orange)"),
        "confusion": _confusion(report["confusion"]),
        "reliability": _reliability(report["calibration"]),
        "bias": _interval_rows(bias_rows, "Bias: judge (blue) vs gold (orange); dashed: 0.5",
                               ref=0.5) if bias_rows else None,
    }
    return tpl.render(r=report, plots=plots, judge_colour=JUDGE, human_colour=HUMAN)
