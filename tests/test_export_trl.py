"""Preference exports load straight into TRL: one real training step of DPO and a reward model.

A run made by ``run_suite`` is exported (standard form, ``--chat``, and a multi-turn suite),
read back with ``datasets.load_dataset("json", ...)`` and trained one step on CPU with TRL's
``DPOTrainer`` and ``RewardTrainer``, on a tiny random Llama (1 layer, hidden size 16) and a
byte-level tokenizer built here: no model hub. Also: a run copied elsewhere, its suite and
items deleted, still exports from its items snapshot.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")
transformers = pytest.importorskip("transformers")

from judgekit import RunError, export, load_suite, run_suite  # noqa: E402
from judgekit.backends import FakeBackend  # noqa: E402
from judgekit.run import ExportOptions, open_run  # noqa: E402

CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                 "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
                 "{% endif %}")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A random 1-layer Llama and a byte-level tokenizer (with a chat template), saved."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    tok = Tokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(sorted(alphabet))},
                               merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<pad>", "<|im_start|>", "<|im_end|>"])
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="<|im_end|>",
        chat_template=CHAT_TEMPLATE)
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    folder = tmp_path_factory.mktemp("tiny-llama")
    transformers.LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def train_args(kind: str, out: Path) -> Any:
    config = trl.DPOConfig if kind == "dpo" else trl.RewardConfig
    return config(output_dir=str(out), max_steps=1, per_device_train_batch_size=2,
                  max_length=4096, learning_rate=1e-3, use_cpu=True, bf16=False,
                  report_to="none", save_strategy="no", logging_steps=1, disable_tqdm=True,
                  dataloader_num_workers=0)


def make_run(suite: str | Path, out: Path) -> Path:
    run_suite(load_suite(str(suite)), [FakeBackend(3)], out)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("runs")
    return {"pairwise": make_run("core/sample", base / "pairwise"),
            "multi-turn": make_run("math/sample-chat", base / "chat")}


CASES = [("pairwise", False), ("pairwise", True), ("multi-turn", False)]
IDS = ["standard", "chat", "multi-turn"]


def load(path: Path, tmp_path: Path) -> Any:
    return datasets.load_dataset("json", data_files=str(path), split="train",
                                 cache_dir=str(tmp_path / "hf-cache"))


@pytest.mark.parametrize(("run", "chat"), CASES, ids=IDS)
def test_dpo_export_trains_one_dpo_step(runs: dict[str, Path], tiny_model: str, run: str,
                                        chat: bool, tmp_path: Path) -> None:
    target = tmp_path / "dpo.jsonl"
    stats = export(runs[run], target, "dpo", ExportOptions(chat=chat))
    data = load(target, tmp_path)
    assert len(data) == stats.written >= 2
    assert trl.data_utils.is_conversational(data[0]) is (chat or run == "multi-turn")
    trainer = trl.DPOTrainer(model=tiny_model, args=train_args("dpo", tmp_path / "out"),
                             train_dataset=data)
    result = trainer.train()
    assert trainer.state.global_step == 1
    assert result.training_loss == pytest.approx(math.log(2), abs=1e-3)  # policy == reference


@pytest.mark.parametrize(("run", "chat"), CASES, ids=IDS)
def test_reward_export_trains_one_reward_model_step(runs: dict[str, Path], tiny_model: str,
                                                    run: str, chat: bool,
                                                    tmp_path: Path) -> None:
    target = tmp_path / "reward.jsonl"
    export(runs[run], target, "reward", ExportOptions(chat=chat))
    data = load(target, tmp_path)
    assert {"prompt", "chosen", "rejected", "margin"} <= set(data.column_names)
    assert trl.data_utils.is_conversational(data[0]) is (chat or run == "multi-turn")
    margins = data["margin"]
    assert all(0 < m <= 1 for m in margins) and len(set(margins)) > 1
    trainer = trl.RewardTrainer(model=tiny_model, args=train_args("reward", tmp_path / "out"),
                                train_dataset=data.select(range(2)))
    result = trainer.train()
    assert trainer.state.global_step == 1
    # an untrained model scores both sides about alike, so the loss is -log sigmoid(-margin)
    # averaged: the margin column was read (without it the loss would be log 2)
    want = sum(math.log1p(math.exp(m)) for m in margins[:2]) / 2
    assert result.training_loss == pytest.approx(want, abs=0.05)


def test_cli_chat_flag(runs: dict[str, Path], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from judgekit.cli import app

    target = tmp_path / "reward.jsonl"
    result = CliRunner().invoke(app, ["export", str(runs["pairwise"]), "--format", "reward",
                                      "--chat", "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert rows and all(r["prompt"][0]["role"] == "user" for r in rows)
    assert all(r["chosen"][0]["role"] == "assistant" for r in rows)
    assert "left out" in result.output


def test_reward_parquet_keeps_margin_a_float(runs: dict[str, Path], tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    export(runs["pairwise"], tmp_path / "reward.parquet", "reward", ExportOptions(chat=True))
    table = pq.read_table(tmp_path / "reward.parquet")
    assert str(table.schema.field("margin").type) == "double"
    assert table.column("chosen").to_pylist()[0][0]["role"] == "assistant"


def test_a_copied_run_exports_from_its_snapshot(make_suite: Any, tmp_path: Path) -> None:
    suite = make_suite()
    run = make_run(suite, tmp_path / "run")
    snapshot = run / open_run(run).manifest["items_snapshot"]
    assert snapshot.is_file() and snapshot.parent.name == "items"
    want = {fmt: list(_records(run, fmt)) for fmt in ("dpo", "reward")}
    copy = tmp_path / "elsewhere" / "run"
    shutil.copytree(run, copy)
    shutil.rmtree(run)
    shutil.rmtree(suite.parent)  # the suite file and its items are gone
    for fmt, records in want.items():
        assert list(_records(copy, fmt)) == records and records
    (copy / open_run(copy).manifest["items_snapshot"]).unlink()
    with pytest.raises(RunError, match=r"(?s)suite file not found.*snapshot .* cannot be read"):
        list(_records(copy, "dpo"))


def test_a_snapshot_outside_the_run_is_refused(make_suite: Any, tmp_path: Path) -> None:
    suite = make_suite()
    run = open_run(make_run(suite, tmp_path / "run"))
    run.write_manifest({**run.manifest, "items_snapshot": "../elsewhere.parquet"})
    shutil.rmtree(suite.parent)
    with pytest.raises(RunError, match=r"names the items snapshot '\.\./elsewhere\.parquet'"):
        list(_records(run.path, "dpo"))


def test_a_resumed_run_keeps_its_snapshot(make_suite: Any, tmp_path: Path) -> None:
    suite = make_suite()
    run = make_run(suite, tmp_path / "run")
    snapshot = run / open_run(run).manifest["items_snapshot"]
    before = snapshot.stat().st_mtime_ns
    make_run(suite, run)  # resumed: nothing to judge, the snapshot is not written again
    assert snapshot.stat().st_mtime_ns == before
    assert sorted(p.name for p in (run / "items").iterdir()) == [snapshot.name]


def test_no_snapshot_when_switched_off(make_suite: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGEKIT_ITEMS_SNAPSHOT", "off")
    run = make_run(make_suite(), tmp_path / "run")
    assert open_run(run).manifest["items_snapshot"] is None
    assert not (run / "items").exists()


def _records(run: Path, fmt: str) -> Any:
    from judgekit.run import records

    return records(run, fmt)  # type: ignore[arg-type]
