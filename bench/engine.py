"""Engine benchmark: judgekit's vLLM judging path against the raw engine, in one process.

On identical prompts rendered from a real gold set (pandalm-test, both orders) it measures:

1. judgekit end to end (``run_suite``: check pass, pipelined render + judge + parse + SQLite
   store, structured outputs, logprobs)
   vs the raw engine (``LLM.chat``, max_tokens=1, same prompts, no constraint): the ceiling;
2. judgekit's logprob protocol vs a generative protocol (feedback, then ``[RESULT] X``, as
   prometheus-eval does; ``bench/generative_user.j2``), with the generated length;
3. automatic prefix caching on vs off, on a constitution-heavy suite (every installed
   domain's constitution merged into one system prompt), with two engines one after the
   other (the first is freed before the second starts);
4. peak memory: the summed RSS of this process and its children (the engine processes).

The prefix cache is reset before every timed pass, so no pass reuses another's prompts.
Usage (from the repository root)::

    .venv/bin/python bench/engine.py [--items 48] [--gold-root ../shared/gold]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import platform
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import jinja2
import psutil

from judgekit import get_domain, load_suite, run_suite
from judgekit.backends._model import EMBEDDED_NAME, ensure_embedded_model
from judgekit.backends.vllm import VLLMBackend
from judgekit.content import Constitution
from judgekit.content._domains import discover
from judgekit.content._files import load_model
from judgekit.content._render import Renderer

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


class PeakRSS:
    """Samples the summed RSS of this process tree every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**30


def heavy_suite(suite: Any) -> Any:
    """The same suite with every installed constitution merged into one (a long prefix)."""
    principles = []
    for name in sorted(discover()):
        dom = get_domain(name)
        for cname in dom.names("constitutions"):
            con = load_model(dom.constitutions / f"{cname}.yaml", Constitution)
            principles += [p.model_copy(update={"id": f"{name}-{p.id}"}) for p in con.principles]
    merged = Constitution(title="All installed constitutions", principles=principles)
    r = suite.renderer
    renderer = Renderer(r.prompt, r.rubric, merged, r.fields, r.sampling)
    return dataclasses.replace(suite, constitution=merged, renderer=renderer), len(principles)


def raw_pass(backend: VLLMBackend, conversations: list[Any], params: Any) -> tuple[float, Any]:
    backend.llm.reset_prefix_cache()
    t = time.perf_counter()
    outputs = backend.llm.chat(conversations, params, use_tqdm=False)
    return time.perf_counter() - t, outputs


def judgekit_pass(backend: VLLMBackend, suite: Any, out: Path, batch_size: int) -> float:
    backend.llm.reset_prefix_cache()
    t = time.perf_counter()
    summary = run_suite(suite, [backend], out, batch_size=batch_size)
    seconds = time.perf_counter() - t
    if summary.errors or summary.skipped or summary.judged + summary.cached != summary.requests:
        raise SystemExit(f"judgekit pass failed: {summary}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=48, help="pandalm-test items (x2 orders)")
    parser.add_argument("--gold-root", type=Path, default=REPO.parent / "shared" / "gold")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--max-gen", type=int, default=256, help="generative token budget")
    parser.add_argument("--rounds", type=int, default=2, help="alternating timed rounds")
    parser.add_argument("--heavy-items", type=int, default=16,
                        help="items (x2 orders) of the prefix caching on/off comparison")
    args = parser.parse_args()
    from vllm import SamplingParams

    memory = PeakRSS()
    tmp = Path(tempfile.mkdtemp(prefix="judgekit-bench-"))
    suite = load_suite("core/pandalm-test", gold_root=args.gold_root, limit=args.items + 4)
    warm, items = suite.items[args.items:], suite.items[:args.items]
    suite = dataclasses.replace(suite, items=items)
    system = suite.renderer.system_message()
    requests = [r for it in items for r in suite.renderer.requests(it, system)]
    # judgekit asks the model once per distinct prompt (an item whose two responses are the
    # same renders the same prompt in both orders): the raw engine gets the same prompts
    unique = list({r.cache_key(""): r for r in requests}.values())
    conversations = [[m.to_dict() for m in r.messages] for r in unique]
    n = len(unique)
    model_dir = ensure_embedded_model()

    t = time.perf_counter()
    engine = VLLMBackend(str(model_dir), name=f"embedded:{EMBEDDED_NAME}", max_model_len=4096)
    load_on = time.perf_counter() - t
    warm_reqs = [r for it in warm for r in suite.renderer.requests(it, system)]
    engine.complete(warm_reqs)  # first structured-output request compiles the grammar

    raw_params = SamplingParams(max_tokens=1, temperature=0.0, logprobs=20)
    raw_times, jk_times = [], []
    for k in range(args.rounds):
        raw_times.append(raw_pass(engine, conversations, raw_params)[0])
        jk_times.append(judgekit_pass(engine, suite, tmp / f"run{k}", args.batch_size))
    raw_s, jk_s = min(raw_times), min(jk_times)
    prompt_tokens = sum(len(o.prompt_token_ids) for o in raw_pass(
        engine, conversations[:8], raw_params)[1]) / 8

    template = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False).from_string(
        (HERE / "generative_user.j2").read_text(encoding="utf-8"))
    gen_convs = [[{"role": "system", "content": system},
                  {"role": "user", "content": template.render(item={
                      "prompt": c_item.fields["prompt"],
                      "response_a": c_item.fields["response_b" if o == "BA" else "response_a"],
                      "response_b": c_item.fields["response_a" if o == "BA" else "response_b"],
                  })}] for c_item in items for o in ("AB", "BA")]
    gen_params = SamplingParams(max_tokens=args.max_gen, temperature=0.0)
    engine.llm.chat(gen_convs[:2], gen_params, use_tqdm=False)  # warm the decode path
    gen_s, gen_out = raw_pass(engine, gen_convs, gen_params)
    gen_tokens = [len(o.outputs[0].token_ids) for o in gen_out]
    n_gen = len(gen_convs)
    parsed = sum(bool(re.search(r"\[RESULT\]\s*(A|B|tie)\b", o.outputs[0].text))
                 for o in gen_out)

    heavy, n_principles = heavy_suite(dataclasses.replace(suite, items=items[:args.heavy_items]))
    n_heavy = 2 * len(heavy.items)
    heavy_prompt = len(engine.tokenizer.encode(heavy.renderer.system_message()))
    on_s = judgekit_pass(engine, heavy, tmp / "heavy-on", args.batch_size)
    engine.close()
    del engine
    gc.collect()
    time.sleep(3)

    t = time.perf_counter()
    plain = VLLMBackend(str(model_dir), name=f"embedded:{EMBEDDED_NAME}", max_model_len=4096,
                        prefix_caching=False)
    load_off = time.perf_counter() - t
    plain.complete(warm_reqs)
    off_s = judgekit_pass(plain, heavy, tmp / "heavy-off", args.batch_size)
    plain.close()
    peak = memory.stop()

    import torch
    import vllm

    import judgekit

    mem = psutil.virtual_memory().total / 2**30
    print(f"\nmachine: {platform.machine()} {os.cpu_count()} CPU cores "
          f"({len(os.sched_getaffinity(0))} usable), {mem:.0f} GiB RAM, no GPU; "
          f"{platform.python_implementation()} {platform.python_version()}")
    print(f"software: vllm {vllm.__version__} (CPU build), torch {torch.__version__}, "
          f"judgekit {judgekit.__version__}; judge {EMBEDDED_NAME} bf16, block 32, eager")
    print(f"workload: pandalm-test, {args.items} items x 2 orders = {len(requests)} requests, "
          f"{n} distinct prompts (judged once each by both paths), "
          f"~{prompt_tokens:.0f} prompt tokens each; heavy suite: {n_principles} principles, "
          f"{heavy_prompt}-token system prompt; engine load {load_on:.0f} s / {load_off:.0f} s")
    rows = [
        ("raw engine LLM.chat, max_tokens=1 (ceiling)", raw_s, n / raw_s, ""),
        ("judgekit end to end (logprob verdicts)", jk_s, n / jk_s,
         f"{raw_s / jk_s:.2f} of the ceiling (target >= 0.97)"),
        (f"generative protocol ([RESULT] X), mean {sum(gen_tokens) / n_gen:.0f} tokens "
         "generated", gen_s, n_gen / gen_s,
         f"judgekit {(n / jk_s) / (n_gen / gen_s):.1f}x faster (target >= 2); "
         f"{parsed}/{n_gen} parseable"),
        (f"constitution-heavy suite ({n_heavy} prompts), prefix caching on", on_s,
         n_heavy / on_s, ""),
        (f"constitution-heavy suite ({n_heavy} prompts), prefix caching off", off_s,
         n_heavy / off_s,
         f"caching {off_s / on_s:.1f}x faster (target >= 2)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'path':<{width}}  {'seconds':>8}  {'labels/s':>8}  ratio")
    for name, secs, rate, note in rows:
        print(f"{name:<{width}}  {secs:>8.2f}  {rate:>8.2f}  {note}")
    print(f"\nall timed rounds (s): raw {[round(x, 2) for x in raw_times]}, "
          f"judgekit {[round(x, 2) for x in jk_times]}")
    print(f"peak memory (RSS summed over the process tree): {peak:.1f} GiB")


if __name__ == "__main__":
    main()
