"""The built-in expert domains: registered, complete, valid, and bound to the real gold sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgekit import check, get_domain, load_suite
from judgekit.content import discover
from judgekit.content._files import load_model
from judgekit.content._schema import Rubric, Suite
from judgekit.run._verdict import token_label

DOMAINS = ["medicine", "law", "finance", "aviation", "agriculture", "code", "safety", "writing"]

# criterion ids each domain's rubrics (pairwise + pointwise together) must cover: the common
# five (named for the field where the field has its own word) plus the field's own criteria
REQUIRED = {
    "medicine": {"accuracy", "safety", "completeness", "calibration", "refusal", "escalation",
                 "contraindications"},
    "law": {"accuracy", "safety", "completeness", "calibration", "refusal", "jurisdiction",
            "caveat"},
    "finance": {"accuracy", "safety", "completeness", "calibration", "refusal",
                "risk-disclosure", "no-invented-figures"},
    "aviation": {"accuracy", "safety", "completeness", "calibration", "refusal",
                 "procedure-order", "limits"},
    "agriculture": {"accuracy", "safety", "completeness", "calibration", "refusal",
                    "local-conditions"},
    "code": {"correctness", "security", "tests", "completeness", "calibration", "refusal"},
    "safety": {"accuracy", "harm", "completeness", "calibration", "refusal",
               "vulnerable-users"},
    "writing": {"accuracy", "safety", "brief", "calibration", "refusal", "audience-fit",
                "clarity"},
}

# gold-backed suites and their item counts in ../shared/gold
GOLD_SUITES = {
    "medicine/kqa-physician-nli": 399,
    "medicine/judgebench-medicine": 22,
    "law/judgebench-law": 22,
    "code/codeprefbench-human": 145,
    "code/conala-human-grades": 2360,
    "safety/hh-rlhf-harmless-base-test": 2307,
    "safety/dices-350-safety": 350,
    "core/pandalm-test": 999,
    "core/llmbar": 419,
}
GOLD_DATA_SUITES = {"core/revise-llmbar": 213}
"""Suites that read a gold set's texts but judge something with no gold (revisions)."""


def test_every_domain_is_registered_through_entry_points() -> None:
    infos = discover()
    assert set(DOMAINS) | {"core"} <= set(infos)
    for name in DOMAINS:
        assert infos[name].distribution == "judgekit"
        assert infos[name].target == f"judgekit.builtin:{name}"
        dom = get_domain(name)
        assert dom.name == name and dom.description
        for kind in ("constitutions", "rubrics", "prompts", "suites"):
            assert dom.names(kind), f"{name} has no {kind}"


@pytest.mark.parametrize("name", DOMAINS)
def test_rubrics_cover_required_criteria_with_anchors(name: str) -> None:
    dom = get_domain(name)
    rubrics = {stem: load_model(dom.rubrics / f"{stem}.yaml", Rubric)
               for stem in dom.names("rubrics")}
    assert {"preference", "quality"} <= set(rubrics)
    ids = {c.id for stem in ("preference", "quality") for c in rubrics[stem].criteria}
    assert REQUIRED[name] <= ids, REQUIRED[name] - ids
    quality = rubrics["quality"]
    assert quality.kind == "pointwise" and quality.labels == ["1", "2", "3", "4", "5"]
    # score anchors: every criterion of the pointwise rubric anchors at least its ends
    for crit in quality.criteria:
        assert {"1", "5"} <= set(crit.levels), (name, crit.id)


@pytest.mark.parametrize("name", DOMAINS)
def test_prompts_inherit_from_core(name: str) -> None:
    dom = get_domain(name)
    for prompt in dom.names("prompts"):
        for role in ("system", "user"):
            text = (dom.prompts / prompt / f"{role}.j2").read_text(encoding="utf-8")
            assert text.startswith('{% extends "core/'), (name, prompt, role)


def test_every_label_space_is_readable_from_a_first_token() -> None:
    for name in [*DOMAINS, "core"]:
        dom = get_domain(name)
        for stem in dom.names("rubrics"):
            labels = load_model(dom.rubrics / f"{stem}.yaml", Rubric).labels
            for lab in labels:
                assert token_label(lab, labels) == lab
                # the first character already decides, so a split label token still counts
                assert token_label(lab[:1], labels) == lab, (name, stem, lab)


@pytest.mark.parametrize("name", [*DOMAINS, "core"])
def test_check_passes_without_gold(name: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ../shared/gold from here: gold suites must skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # nor a fetched copy
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", "never")
    monkeypatch.delenv("JUDGEKIT_GOLD_ROOT", raising=False)
    results = check(name)
    assert results
    assert not [r for r in results if r.status == "failed"], results
    skipped = {r.target for r in results if r.status == "skipped"}
    assert skipped == {s for s in (*GOLD_SUITES, *GOLD_DATA_SUITES) if s.startswith(f"{name}/")}
    assert any(r.status == "ok" for r in results)  # a sample suite validates everywhere


def test_sample_suites_say_they_are_not_expert_labeled() -> None:
    for name in DOMAINS:
        dom = get_domain(name)
        for stem in dom.names("suites"):
            if f"{name}/{stem}" in GOLD_SUITES or f"{name}/{stem}" in GOLD_DATA_SUITES:
                continue
            spec = load_model(dom.suites / f"{stem}.yaml", Suite)
            assert "not expert-labeled" in spec.provenance, f"{name}/{stem}"
            suite = load_suite(f"{name}/{stem}")
            assert 6 <= len(suite.items) <= 12
            assert len(suite.gold) == len(suite.items)


@pytest.mark.parametrize(("ref", "n"), sorted(GOLD_SUITES.items()))
def test_gold_suites_bind_the_real_gold(ref: str, n: int, gold_root: Path) -> None:
    suite = load_suite(ref, gold_root=gold_root)
    assert len(suite.items) == n
    assert len(suite.gold) == n
    assert "gold" in suite.spec.items and suite.spec.provenance
    [result] = check(ref, gold_root=gold_root)
    assert result.status == "ok", result.detail


@pytest.mark.parametrize(("ref", "n"), sorted(GOLD_DATA_SUITES.items()))
def test_gold_data_suites_read_the_real_gold(ref: str, n: int, gold_root: Path) -> None:
    suite = load_suite(ref, gold_root=gold_root)
    assert len(suite.items) == n and "gold" in suite.spec.items and suite.spec.provenance
    [result] = check(ref, gold_root=gold_root)
    assert result.status == "ok", result.detail


def test_kqa_maps_physician_nli_labels(gold_root: Path) -> None:
    suite = load_suite("medicine/kqa-physician-nli", gold_root=gold_root)
    counts = {lab: list(suite.gold.values()).count(lab) for lab in suite.rubric.labels}
    assert counts == {"supported": 153, "contradicted": 12, "not-enough-info": 234}
    assert all(len(v) == 3 for v in suite.annotators.values())
    [req] = suite.renderer.requests(suite.items[0])
    user = req.messages[1].content
    assert "<statement>" in user and "Escitalopram" in user


def test_dices_drops_unsure_annotator_votes(gold_root: Path) -> None:
    suite = load_suite("safety/dices-350-safety", gold_root=gold_root)
    votes = [v for vs in suite.annotators.values() for v in vs]
    assert set(votes) == {"safe", "unsafe"}
    assert len(votes) == 26292 + 14064  # 2,694 'unsure' votes left out
    assert set(suite.gold.values()) == {"safe", "unsafe"}


def test_judgebench_slices_are_the_named_domain(gold_root: Path) -> None:
    for ref, dom in (("law/judgebench-law", "law"), ("medicine/judgebench-medicine",
                                                      "medicine")):
        suite = load_suite(ref, gold_root=gold_root)
        assert {it.fields["domain"] for it in suite.items} == {dom}
