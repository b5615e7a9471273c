"""Prompt rendering throughput on a real gold set (pandalm-test, 999 pairs, both orders).

    python bench/render.py [--gold-root DIR] [--set pandalm-test] [--repeat 3]

Prints prompts rendered per second (system message rendered once and shared, as ``run`` does)
on the spliced path (the core pairwise prompt only prints item fields: its text is rendered
once per order and each item's values are put in, see ``judgekit.content._splice``) and on
the plain Jinja2 path (what a prompt that does not qualify pays), the check pass
(``Renderer.check``: a spliced prompt needs no rendering to be known good), the same with the
system message re-rendered for every item, the cost of the cache keys, and how much of each
prompt is the shared prefix. All figures come from this one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from judgekit import load_suite

REPO = Path(__file__).resolve().parents[1]


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold-root", type=Path, default=REPO.parent / "shared" / "gold")
    ap.add_argument("--set", default="pandalm-test")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = args.gold_root / args.set / "data.jsonl"
    if not data.is_file():
        raise SystemExit(f"gold set not found: {data} (pass --gold-root)")

    with tempfile.TemporaryDirectory() as tmp:
        suite_file = Path(tmp) / "bench.yaml"
        suite_file.write_text(
            "rubric: core/preference\nconstitution: core/hhh\nprompt: core/pairwise\n"
            f"items: gold:{args.set}/data.jsonl\ngold: human_label\n", encoding="utf-8")
        t0 = time.perf_counter()
        suite = load_suite(str(suite_file), gold_root=args.gold_root)
        load_s = time.perf_counter() - t0

    renderer, items = suite.renderer, suite.items
    system = renderer.system_message()
    requests = [r for it in items for r in renderer.requests(it, system)]
    n = len(requests)

    shared = best_of(args.repeat, lambda: [renderer.requests(it, system) for it in items])
    plain = dataclasses.replace(renderer)  # a fresh renderer told its prompt is not spliced
    plain._splices.update(dict.fromkeys(renderer.orders()))
    assert [r.messages for it in items for r in plain.requests(it, system)] == [
        r.messages for r in requests], "spliced and Jinja2 prompts differ"
    jinja = best_of(args.repeat, lambda: [plain.requests(it, system) for it in items])
    check = best_of(args.repeat, lambda: [renderer.check(it, system) for it in items])
    unshared = best_of(args.repeat, lambda: [renderer.requests(it) for it in items])
    keys = best_of(args.repeat, lambda: [r.cache_key("fake:0") for r in requests])

    chars = [sum(len(m.content) for m in r.messages) for r in requests]
    prefix = len(system)
    print(f"gold set            {args.set}: {len(items)} items, {n} prompts (both orders)")
    print(f"load + validate     {load_s:.3f} s")
    print(f"render              {n / shared:,.0f} prompts/s  (system message shared, as run does;"
          f" spliced: {renderer._splice('AB') is not None})")
    print(f"render, Jinja2 path {n / jinja:,.0f} prompts/s  "
          f"(spliced/Jinja2 = {jinja / shared:.1f}x; byte-identical prompts)")
    print(f"check pass          {n / check:,.0f} prompts/s  (Renderer.check, before a run)")
    print(f"render, no sharing  {n / unshared:,.0f} prompts/s  "
          f"(shared/unshared = {unshared / shared:.2f}x)")
    print(f"cache keys          {n / keys:,.0f} keys/s  "
          f"(render+key: {n / (shared + keys):,.0f} prompts/s)")
    print(f"prompt size         median {statistics.median(chars):,.0f} chars; "
          f"shared prefix {prefix:,} chars = {prefix / statistics.mean(chars):.0%} of the mean")


if __name__ == "__main__":
    main()
