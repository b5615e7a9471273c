"""The driver's plan of a run on Ray: its options, and one judge's Ray Data pipeline.

The pipeline reads the items (JSON lines as text, Parquet as columns), keeps the rows the
suite keeps (:func:`judgekit.run._shards.keep_rows`), takes the first ``limit`` in file order,
and maps batches through an actor pool of :class:`judgekit.run._shards.Judge` (the workers'
side). Ray is imported inside the functions only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from judgekit._errors import RunError
from judgekit.content._items import ItemSource
from judgekit.content._suite import LoadedSuite
from judgekit.run._prepare import orders_of
from judgekit.run._shards import Judge, keep_rows


@dataclass
class RayOptions:
    """How a suite runs on Ray.

    Attributes:
        address: The cluster (``ray.init(address=...)``); None: ``RAY_ADDRESS`` if set, else
            a local Ray started for this run (on 127.0.0.1) and stopped after it.
        actors: Judge actors per judge (each holds one backend: one engine).
        cpus_per_actor: CPUs each actor reserves (leave some to reading and writing).
        gpus_per_actor: GPUs each actor reserves (a vLLM judge: its tensor-parallel size).
        batch_size: Requests per backend call (one shard, one store transaction each).
        gold_root: Passed to the workers' ``load_suite`` (where ``gold:`` items lie).
        backend_options: Judge spec -> keyword options for ``make_backend`` on the workers
            (picklable).

    """

    address: str | None = None
    actors: int = 1
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    batch_size: int = 512
    gold_root: Path | None = None
    backend_options: dict[str, dict[str, Any]] = field(default_factory=dict)


def pipeline(suite: LoadedSuite, source: ItemSource, plan: dict[str, Any],
              opts: RayOptions) -> Any:
    """The Ray Data pipeline of one judge: read, keep, limit, judge into shards."""
    import ray.data
    from ray.data import ActorPoolStrategy

    jsonl = source.location.kind == "jsonl"
    context = ray.data.DataContext.get_current()
    keep = context.execution_options.preserve_order
    context.execution_options.preserve_order = keep or source.limit is not None  # first N
    try:  # a dataset takes a copy of the context when it is made
        ds = (ray.data.read_text(str(source.location.path)) if jsonl
              else ray.data.read_parquet(parquet_files(source), partitioning=None))
    finally:
        context.execution_options.preserve_order = keep
    ds = ds.map_batches(partial(keep_rows, source=source, jsonl=jsonl), batch_format="pyarrow",
                        num_cpus=0.25)
    if source.limit is not None:
        ds = ds.limit(source.limit)
    per_call = max(1, opts.batch_size // len(orders_of(suite.renderer)))
    return ds.map_batches(Judge, fn_constructor_kwargs={"plan": plan}, batch_size=per_call,
                          batch_format="numpy", compute=ActorPoolStrategy(size=opts.actors),
                          num_cpus=opts.cpus_per_actor, num_gpus=opts.gpus_per_actor or None)


def parquet_files(source: ItemSource) -> list[str]:
    """The Parquet files of the source, in the local reader's order (sorted paths)."""
    path = source.location.path
    assert path is not None
    if source.location.kind == "parquet":
        return [str(path)]
    files = sorted(p for p in path.rglob("*") if p.suffix in (".parquet", ".arrow"))
    if not files or any(p.suffix == ".arrow" for p in files):
        raise RunError(f"--executor ray reads a folder of .parquet files; {path} holds "
                       f"{'Arrow files' if files else 'none'}; convert them to Parquet or use "
                       "--executor local")
    return [str(p) for p in files]
