"""``judgekit check``: load and render every item of every suite, in both orders.

Step-review suites are counted in solutions and steps (each step is an item); multi-turn
items are counted with their longest conversation. Their shape is checked when they are read
(:mod:`._tasks`) and every turn and earlier step must show in the prompt (:mod:`._render`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from judgekit._errors import DataUnavailable, DomainNotFound, JudgekitError
from judgekit.content._domains import discover, get_domain
from judgekit.content._files import load_model
from judgekit.content._schema import Constitution, Rubric
from judgekit.content._suite import load_suite


@dataclass(frozen=True)
class CheckResult:
    """Outcome for one checked thing (suite, rubric, constitution).

    Attributes:
        target: ``domain/name`` or a file.
        status: ``ok``, ``skipped`` (data not on this machine) or ``failed``.
        detail: Items/requests rendered, or the error.

    """

    target: str
    status: str
    detail: str


def check(target: str | None = None, *, gold_root: Path | None = None) -> list[CheckResult]:
    """Check one suite (``domain/name`` or a path), one domain, or every installed domain."""
    if target and (target.endswith((".yaml", ".yml")) or "/" in target):
        return [_check_suite(target, gold_root)]
    names = [target] if target else list(discover())
    results: list[CheckResult] = []
    for name in names:
        try:
            dom = get_domain(name)
        except (DomainNotFound, JudgekitError) as exc:
            results.append(CheckResult(name, "failed", str(exc)))
            continue
        for kind, model in (("constitutions", Constitution), ("rubrics", Rubric)):
            for stem in dom.names(kind):
                try:
                    load_model(dom.folder(kind) / f"{stem}.yaml", model)
                except JudgekitError as exc:
                    results.append(CheckResult(f"{name}/{stem} ({kind[:-1]})", "failed", str(exc)))
        for stem in dom.names("suites"):
            results.append(_check_suite(f"{name}/{stem}", gold_root))
    return results


def _check_suite(ref: str, gold_root: Path | None) -> CheckResult:
    try:
        suite = load_suite(ref, gold_root=gold_root)
        system = suite.renderer.system_message()
        n, items, solutions, chats, longest = 0, 0, set(), 0, 0
        for item in suite.items:
            n += len(suite.renderer.requests(item, system))
            items += 1
            if "solution_id" in item.fields and "step_number" in item.fields:
                solutions.add(item.fields["solution_id"])
            if isinstance(item.fields.get("conversation"), list):
                chats += 1
                longest = max(longest, len(item.fields["conversation"]))
    except DataUnavailable as exc:
        return CheckResult(ref, "skipped", str(exc))
    except JudgekitError as exc:
        return CheckResult(ref, "failed", str(exc))
    what = f"{items} items"
    if suite.rubric.kind == "step":
        what = f"{len(solutions)} solutions, {items} steps"
    if chats:
        what += f" ({chats} multi-turn, up to {longest} messages before the response)"
    return CheckResult(suite.ref, "ok", f"{what}, {n} prompts rendered")
