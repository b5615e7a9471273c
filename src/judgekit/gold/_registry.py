"""The gold registry: every built-in gold set, pinned to an upstream commit and file hashes.

Each entry names where the set comes from (repository, commit, files with their sha256 and
size), its licence and whether judgekit may fetch it without the user naming that licence,
its citation and how many items its converter yields. The hashes were computed from the
files at the pinned commits; a file that could not be read there would have ``sha256=None``
and its set would be listed as unavailable (none is, today).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

GITHUB_RAW = "https://raw.githubusercontent.com"
"""Where upstream files are downloaded from, unless ``JUDGEKIT_GOLD_MIRROR`` says otherwise."""


@dataclass(frozen=True)
class UpstreamFile:
    """One file of a gold set's upstream repository, at the pinned commit.

    Attributes:
        path: Path inside the repository.
        sha256: Hex digest of its bytes; ``None`` when it could not be read (set unavailable).
        size: Its size in bytes (for the progress bar and resuming).

    """

    path: str
    sha256: str | None
    size: int


@dataclass(frozen=True)
class GoldSet:
    """A built-in gold set: where it comes from, under which licence, how many items.

    Attributes:
        name: The folder name ``gold:NAME/data.jsonl`` item paths use.
        kind: ``pairwise`` or ``rubric`` (the gold schema it converts to).
        repo: Upstream GitHub repository, ``owner/name``.
        commit: The pinned upstream commit (40 hex digits).
        files: The upstream files the converter reads.
        license: The licence's short id (the word ``--accept-license`` takes).
        license_note: The licence in a sentence, with what it allows.
        redistributable: Whether it may be fetched without the user naming the licence.
        citation: Whom to cite.
        items: How many items the converter yields.

    """

    name: str
    kind: Literal["pairwise", "rubric"]
    repo: str
    commit: str
    files: tuple[UpstreamFile, ...]
    license: str
    license_note: str
    redistributable: bool
    citation: str
    items: int

    @property
    def available(self) -> bool:
        """Whether every upstream file has a recorded sha256 (so it can be verified)."""
        return all(f.sha256 for f in self.files)

    def url(self, file: UpstreamFile, mirror: str = GITHUB_RAW) -> str:
        """The raw download address of ``file`` at the pinned commit under ``mirror``."""
        return f"{mirror.rstrip('/')}/{self.repo}/{self.commit}/{quote(file.path)}"


def _f(path: str, sha256: str, size: int) -> UpstreamFile:
    return UpstreamFile(path, sha256, size)


_LLMBAR = "Dataset/LLMBar/"
_JB = "data/dataset=judgebench,response_model="
_JUDGE_BENCH_CITE = " Packaged by JUDGE-BENCH: Bavaresco et al. 2024, 'LLMs instead of Human " \
    "Judges? A Large Scale Empirical Study across 20 NLP Evaluation Tasks', arXiv:2406.18403."

REGISTRY: tuple[GoldSet, ...] = (
    GoldSet(
        "codeprefbench-human", "pairwise", "amazon-science/llm-code-preference",
        "99b404d5abdcff45c6029d44e30191c6e29071d8",
        (_f("datasets/eval/human-preference-alignment.jsonl.gz",
            "8f64809630931ba79e093da73223857bda7ec970c8fa255c90ee2e5db482bbae", 91493),),
        "CC-BY-NC-4.0", "CC-BY-NC-4.0 and 'Research Use Only': non-commercial research, "
        "not for training or fine-tuning models", False,
        "Liu et al. 2024, 'Learning Code Preference via Synthetic Evolution', arXiv:2410.03837.",
        145),
    GoldSet(
        "conala-human-grades", "rubric", "JetBrains-Research/codegen-metrics",
        "b630570dd513b471d941de1c85257e639a7e1a65",
        (_f("data/to-grade/conala/conala-aggregated-grades.json",
            "cf51ee764634637dcc778cd55cdc535aa7f6ace0c8c15aac29acb9d1d544d7cb", 288402),
         _f("data/to-grade/conala/conala-human-grades.json",
            "3a32c749752d7dde165a82d694eb2dafe9f4cdd0acbdb92083d8c2e9f38f4a64", 437783)),
        "Apache-2.0", "Apache-2.0: redistribution allowed with the licence notice", True,
        "Evtikhiev et al. 2023, 'Out of the BLEU: How should we assess quality of the Code "
        "Generation models?', Journal of Systems and Software, arXiv:2208.03133.", 2360),
    GoldSet(
        "dices-350-safety", "rubric", "dmg-illc/JUDGE-BENCH",
        "5a0bf500325029efb5dc8adff2c1e991996f0e78",
        (_f("data/dices/dices_350_expert.json",
            "687c75d1ffda680874b1ff73edace6916d39e265490dd69d8480a5f5fcf0ba55", 187997),
         _f("data/dices/dices_350_crowdsourced.json",
            "9f9694948fc4f734220866fc6fdff397b5207058e0c4d4f9a49d5ab98702c2a4", 464916)),
        "CC-BY-4.0", "CC-BY-4.0 (DICES, Google): redistribution allowed with attribution",
        True, "Aroyo et al. 2023, 'DICES Dataset: Diversity in Conversational AI Evaluation "
        "for Safety', NeurIPS 2023 Datasets and Benchmarks, arXiv:2306.11247." + _JUDGE_BENCH_CITE,
        350),
    GoldSet(
        "hh-rlhf-harmless-base-test", "pairwise", "anthropics/hh-rlhf",
        "354e5c3cb8960630860dd5774a6ac2a58313bf4d",
        (_f("harmless-base/test.jsonl.gz",
            "ebfaaed21162a4de120ae85366075b34425e2a6303fac59b99555002f7016f03", 742801),),
        "MIT", "MIT (Copyright (c) 2022 Anthropic): keep the notice; offensive content", True,
        "Bai et al. 2022, 'Training a Helpful and Harmless Assistant with Reinforcement "
        "Learning from Human Feedback', arXiv:2204.05862.", 2307),
    GoldSet(
        "hhh-alignment", "pairwise", "prometheus-eval/prometheus-eval",
        "dcfb44272d5d0414832f5dbb8c2a05ebc2614234",
        (_f("eval/benchmark/data/hhh_alignment_eval.json",
            "fe6655dfeec99d04d582692767c736f2385b5e067f0b894d1b73a32af7be9c9e", 1207596),),
        "Apache-2.0", "Apache-2.0 (prometheus-eval; BIG-bench hhh_alignment is Apache-2.0 too)",
        True, "Askell et al. 2021, 'A General Language Assistant as a Laboratory for "
        "Alignment', arXiv:2112.00861; packaged by Kim et al. 2024, 'Prometheus 2', "
        "arXiv:2405.01535.", 221),
    GoldSet(
        "judgebench", "pairwise", "ScalerLab/JudgeBench",
        "e2c52c284e735e139b3daa61c206ee208f36c461",
        (_f(_JB + "gpt-4o-2024-05-13.jsonl",
            "d5106306b38dead1b2e964ecf5534a3e7b2fc4b8d3b8da327599edfcebd76042", 1960188),
         _f(_JB + "claude-3-5-sonnet-20240620.jsonl",
            "3b70504588e400613bf5744a20a345da8701b7150be9a30c9db0e6f3d7b70a62", 920039)),
        "no-license", "no licence file in the repository: no grant, internal evaluation only",
        False, "Tan et al. 2024, 'JudgeBench: A Benchmark for Evaluating LLM-based Judges', "
        "arXiv:2410.12784.", 620),
    GoldSet(
        "kqa-physician-nli", "rubric", "Itaymanes/K-QA",
        "ef403d012e199fcfa0d8c02b38a96ff95164f4d0",
        (_f("dataset/NLI_medical_annotator.csv",
            "98372a3feea2ac7b445357ec2ab2e6f6251ecd72ad03a102ea4e4cdf53956779", 388292),),
        "MIT", "MIT (Copyright (c) 2023 Itay Manes): keep the notice", True,
        "Manes et al. 2024, 'K-QA: A Real-World Medical Q&A Benchmark', arXiv:2401.14493.",
        399),
    GoldSet(
        "llmbar", "pairwise", "princeton-nlp/LLMBar", "900616bff90b6c6c8e1681f7d079250637c55992",
        (_f(_LLMBAR + "Natural/dataset.json",
            "f7127b7aa78104cb8e03a2b1b3ac0077e95b125714dd441a8ee63666145a3375", 91269),
         _f(_LLMBAR + "Adversarial/Neighbor/dataset.json",
            "6712c7eda6342602e0bc7c06c282fa95e2110d4e741a284026a62d937f9780a0", 131988),
         _f(_LLMBAR + "Adversarial/GPTInst/dataset.json",
            "1002425f73c2cf54b6e6de99bce3f6c60fa2a17d13194772e37d7481c1351d42", 211768),
         _f(_LLMBAR + "Adversarial/GPTOut/dataset.json",
            "1ff56e520d7607750a9866a3be0f5b850392ca4477a1f69d80f32bd3e310f561", 32640),
         _f(_LLMBAR + "Adversarial/Manual/dataset.json",
            "0d9598769a39cdbbd265778c37e49939d41d5f76dcfb17bd75dcfa07516d3837", 79050)),
        "MIT", "MIT (Copyright (c) 2023 Princeton NLP): keep the notice", True,
        "Zeng et al. 2024, 'Evaluating Large Language Models at Evaluating Instruction "
        "Following', ICLR 2024, arXiv:2310.07641.", 419),
    GoldSet(
        "pandalm-test", "pairwise", "WeOpenML/PandaLM", "3871806e72b4832f815ecafd24d3503c73403f48",
        (_f("data/testset-v1.json",
            "cc154f9067c7382d7ea86f8f246511a5e1ac87e1fddd845c5938d789505b07a4", 937899),),
        "Apache-2.0", "Apache-2.0 (data and code; model weights follow the LLaMA licence)",
        True, "Wang et al. 2024, 'PandaLM: An Automatic Evaluation Benchmark for LLM "
        "Instruction Tuning Optimization', ICLR 2024, arXiv:2306.05087.", 999),
    GoldSet(
        "roscoe-gsm8k-steps", "rubric", "dmg-illc/JUDGE-BENCH",
        "5a0bf500325029efb5dc8adff2c1e991996f0e78",
        (_f("data/roscoe/roscoe-gsm8k-stepwise.json",
            "329372e05576c16148e53deb0112edbf4244d58cadfc68c411a67b26cdf44d1c", 2915429),),
        "evaluation-only", "ROSCOE is MIT (ParlAI) but JUDGE-BENCH's conversion states no "
        "licence: use for evaluation, do not redistribute the text", False,
        "Golovneva et al. 2023, 'ROSCOE: A Suite of Metrics for Scoring Step-by-Step "
        "Reasoning', ICLR 2023, arXiv:2212.07919." + _JUDGE_BENCH_CITE, 881),
)

NAMES = tuple(s.name for s in REGISTRY)
"""Every built-in gold set's name, sorted."""


def get_gold_set(name: str) -> GoldSet | None:
    """The registry entry called ``name``, or ``None`` when there is none."""
    return next((s for s in REGISTRY if s.name == name), None)


def gold_sets() -> tuple[GoldSet, ...]:
    """Every built-in gold set, sorted by name."""
    return REGISTRY
