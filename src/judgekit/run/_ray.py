"""Run a suite on a Ray cluster: the same stages as :func:`~judgekit.run_suite`, spread out.

Per judge, one Ray Data pipeline: the items file is read with ``ray.data`` (JSON lines as
text, parsed exactly as the local reader parses them; Parquet as columns), the rows the
suite keeps pass through :func:`~judgekit.run._shards.keep_rows`, ``limit`` keeps the first N in
file order, and an actor pool of :class:`~judgekit.run._shards.Judge` (one judge backend per
actor: one vLLM engine per GPU actor) renders, judges and labels them into Parquet shards in
the run directory. The driver ingests each shard into the run's SQLite store as it arrives
(one transaction per shard; ``INSERT OR REPLACE`` on item/order/judge) and deletes it, so
``judgekit audit``, ``export`` and ``reparse`` read the run like any other.

Killing the driver at any instant loses nothing and duplicates nothing: a shard is whole or
absent, the next run ingests what the last one left before it starts (idempotently), and the
workers skip every label already stored under the same key, as a local resume does.

Ray is an optional extra (``pip install 'judgekit[ray]'``): it is imported only here, inside
functions.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from judgekit._errors import JudgekitError, RunError
from judgekit.content._items import ItemSource
from judgekit.content._suite import LoadedSuite
from judgekit.content._tasks import TaskSource
from judgekit.run._manifest import all_done, fingerprint, start_manifest
from judgekit.run._prepare import check_renders, orders_of
from judgekit.run._rayplan import RayOptions, pipeline
from judgekit.run._record import Tally, account
from judgekit.run._rundir import Run
from judgekit.run._runner import Progress, chunked
from judgekit.run._shards import read_shard, shard_dir, snapshot_store
from judgekit.run._snapshot import snapshot_items
from judgekit.run._store import LABELS_FILE, Store
from judgekit.run._summary import RunSummary

_FORMATS = ("jsonl", "parquet", "folder")


def run_ray(suite: LoadedSuite, specs: list[str], out: str | os.PathLike[str],
            options: RayOptions | None = None, progress: Progress | None = None) -> RunSummary:
    """Label every item of ``suite`` with every judge spec on Ray, resuming ``out``.

    Args:
        suite: The loaded suite (its items in a ``.jsonl`` or ``.parquet`` file or folder).
        specs: Judge specs (``fake``, ``vllm:MODEL``, ``embedded``...), built on the actors.
        out: The run directory (created; resumed if it holds this suite).
        options: Cluster, actors and resources (default: :class:`RayOptions`).
        progress: Called with (done, total) after every ingested shard.

    Raises:
        RunError: Ray is not installed, the items cannot be read by Ray, the run directory is
            locked or holds another suite, or the workers failed.

    """
    opts = options or RayOptions()
    if opts.batch_size < 1 or opts.actors < 1:
        raise RunError("--batch-size and --ray-actors must be at least 1")
    source = _source_of(suite)
    _require_ray()
    t0 = time.time()
    run = Run(out)
    system = suite.renderer.system_message()
    inputs = fingerprint(suite, system)
    before = run.manifest if run.exists() else {}
    if inputs is not None and before.get("checked") == inputs:
        n_items = int(before["items"])
    else:  # a template error must not leave a half-made run (nor reach a worker)
        n_items = check_renders(chunked(suite.items), suite.renderer, system)
    summary = RunSummary(out=run.path, judges=[], items=n_items)
    summary.requests = n_items * len(orders_of(suite.renderer)) * len(specs)
    run.create()
    shard_dir(run.path).mkdir(exist_ok=True)
    with run.lock(), run.store() as store:
        _ingest_left_over(store, shard_dir(run.path))  # a killed run's, under its manifest
        old = run.manifest if run.exists() else {}
        manifest = start_manifest(suite, [], run, n_items)
        trusted = inputs is not None and (
            store.empty() or old.get("labels_made_from") == inputs)
        known: dict[str, str] = dict(old.get("ray_judges") or {})  # spec -> model id
        manifest.update(checked=inputs, labels_made_from=inputs if trusted else None,
                        executor="ray", ray_judges=known)
        run.write_manifest(manifest)  # before any label
        models = [known.get(s) for s in specs]
        if trusted and all(models) and all_done(old, [str(m) for m in models]):
            summary.judges = [str(m) for m in models]  # a finished run: nothing to ask Ray
            manifest["judges"] = [j for j in old["judges"] if j.get("model") in models]
            summary.skipped = summary.requests
            if progress:
                progress(summary.requests, summary.requests)
        else:
            driver = _Driver(run, store, manifest, summary, progress)
            driver.run(suite, source, specs, opts, (trusted, inputs))
        manifest["items_snapshot"] = snapshot_items(suite, run)  # texts for exports, as local
        summary.seconds = time.time() - t0
        manifest.update(finished=time.time(), status="complete", labels_made_from=inputs,
                        summary={k: v for k, v in asdict(summary).items() if k != "out"})
        run.write_manifest(manifest)
    return summary


def quiet_ray() -> None:
    """Keep Ray's INFO lines and Ray Data's progress off the console (warnings still show)."""
    try:
        import ray.data
    except ModuleNotFoundError:
        return  # run_ray says how to install it
    logging.getLogger("ray").setLevel(logging.WARNING)
    for handler in logging.getLogger("ray.data").handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = context.print_on_execution_start = False


def _source_of(suite: LoadedSuite) -> ItemSource:
    """The suite's item source, if Ray can read it; else a clear error."""
    source = suite.items
    if not isinstance(source, ItemSource) or source.location.kind not in _FORMATS:
        where = source.location.text if isinstance(source, ItemSource) else "a list of items"
        raise RunError(f"--executor ray reads items from a .jsonl or .parquet file or a folder "
                       f"of .parquet files, not {where!r}; convert the items, or use "
                       "--executor local")
    if suite.hidden is not None:
        raise RunError("--executor ray does not mix in hidden gold (the suite's 'hidden_gold:'); "
                       "use --executor local, or drop 'hidden_gold:' for this run")
    if isinstance(source, TaskSource) and source.steps is not None:
        raise RunError("--executor ray does not run step-review suites (one solution becomes "
                       "several items); use --executor local")
    return source


def _require_ray() -> None:
    """Fail clearly, before anything is written, where Ray is not installed."""
    try:
        import ray.data  # noqa: F401
    except ModuleNotFoundError:
        raise RunError("--executor ray needs Ray: pip install 'judgekit[ray]'") from None


def _connect(address: str | None) -> bool:
    """Join the cluster (or start a local one on 127.0.0.1); whether this call started it."""
    import ray

    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                 _node_ip_address="127.0.0.1")
    return True


def _plan(suite: LoadedSuite, spec: str, out: Path, judge: tuple[int, bool, str | None],
          opts: RayOptions) -> dict[str, Any]:
    """What every actor of one judge needs, picklable; ``judge``: (index, trusted, inputs)."""
    index, trusted, inputs = judge
    source = suite.items
    assert isinstance(source, ItemSource)
    ref = suite.ref if not suite.ref.endswith((".yaml", ".yml")) else str(suite.path)
    env = {k: v for k, v in os.environ.items() if k.startswith(("VLLM_", "JUDGEKIT_"))}
    return {"suite": ref, "gold_root": opts.gold_root, "mode": suite.renderer.sampling.mode,
            "limit": source.limit, "spec": spec, "options": opts.backend_options.get(spec, {}),
            "out": str(out.resolve()), "index": index, "trusted": trusted, "env": env,
            "inputs": inputs}


def _worker_errors(work: Callable[[], int]) -> int:
    """Run ``work``; a worker's judgekit error is raised as itself, any other as RunError."""
    from ray.exceptions import RayError

    try:
        return work()
    except RayError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, JudgekitError):
            raise cause from None
        last = (str(cause or exc).strip().splitlines() or [type(exc).__name__])[-1]
        if last.startswith("judgekit."):  # "judgekit._errors.BackendError: judge ..."
            last = last.partition(": ")[2]
        raise RunError(f"a Ray worker failed: {last}; the labels stored so far are kept, "
                       "rerun to resume") from None


class _Driver:
    """The driver's side of a run on Ray: start each judge's pipeline, ingest its shards."""

    def __init__(self, run: Run, store: Store, manifest: dict[str, Any], summary: RunSummary,
                 progress: Progress | None) -> None:
        self.run_dir, self.store, self.manifest = run, store, manifest
        self.summary, self.progress = summary, progress

    def run(self, suite: LoadedSuite, source: ItemSource, specs: list[str], opts: RayOptions,
            state: tuple[bool, str | None]) -> None:
        """Run every judge's pipeline on the cluster, ingesting its shards as they come."""
        folder = shard_dir(self.run_dir.path)
        snapshot = (None if self.store.empty() else  # what the workers may skip or re-parse
                    str(snapshot_store(self.run_dir.path / LABELS_FILE, folder)))
        started = _connect(opts.address)
        try:
            for index, spec in enumerate(specs):
                plan = _plan(suite, spec, self.run_dir.path, (index, *state), opts)
                plan["snapshot"] = snapshot
                rows = pipeline(suite, source, plan, opts).iter_rows()
                seen = _worker_errors(partial(self.collect, spec, rows))
                expected = self.summary.requests // len(specs)
                if seen != expected:  # a reader that disagrees with the suite's: say so
                    raise RunError(f"the Ray pipeline of judge {spec!r} went through {seen} "
                                   f"requests, the suite has {expected}; the labels stored "
                                   "are kept; run this suite with --executor local")
        finally:
            if started:
                import ray

                ray.shutdown()
            (folder / "resume.sqlite").unlink(missing_ok=True)

    def collect(self, spec: str, rows: Iterable[dict[str, Any]]) -> int:
        """Ingest each shard the workers report, counting what they did; the requests seen."""
        summary, manifest = self.summary, self.manifest
        start = done = summary.skipped + summary.cached + summary.judged
        for row in rows:
            model = str(row["model"])
            if model not in summary.judges:  # the manifest names a judge before its labels
                summary.judges.append(model)
                manifest["judges"].append({"model": model, **json.loads(str(row["describe"]))})
                manifest["ray_judges"][spec] = model
                self.run_dir.write_manifest(manifest)
            if row["shard"]:
                _ingest(self.store, [Path(str(row["shard"]))], summary)
            summary.skipped += int(row["skipped"])
            summary.cached += int(row["cached"])
            summary.judged += int(row["judged"])
            done += int(row["skipped"]) + int(row["cached"]) + int(row["judged"])
            if self.progress:
                self.progress(done, summary.requests)
        return done - start


def _ingest_left_over(store: Store, folder: Path) -> None:
    """Ingest the shards a killed run left (idempotent) and remove its half-written files."""
    _ingest(store, sorted(folder.glob("*.parquet")), None)
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink()


def _ingest(store: Store, shards: list[Path], summary: RunSummary | None) -> None:
    """Write shards into the store (one transaction each), then delete them."""
    for path in shards:
        labels, answers = read_shard(path)
        if labels:
            store.write(labels[0].judge, answers, labels)
        if summary is not None:
            tally = Tally(judge=labels[0].judge if labels else "")
            for label in labels:
                tally.count(label)
            account(summary, tally)
        path.unlink()
