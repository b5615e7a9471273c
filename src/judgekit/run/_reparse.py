"""Re-parse a run's stored raw outputs with the current parser, without calling any model.

Every label whose completion is in the run's cache is parsed again (same sampling, label space
and label values as recorded in the manifest) and rewritten only if the result differs.
Labels whose completion was never cached (transport errors) are left as they are; rerun the
suite to judge them. Checker results (``extra``) are kept. Labels are read and rewritten a
chunk at a time, so re-parsing a run of any size needs little memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import islice

from judgekit._errors import RunError
from judgekit._types import Request, Sampling
from judgekit.run._rundir import Run, open_run
from judgekit.run._verdict import to_label

CHUNK = 10_000
"""Labels re-parsed (and rewritten) per transaction."""


@dataclass(frozen=True)
class ReparseSummary:
    """What a re-parse did.

    Attributes:
        labels: Labels in the run.
        changed: Labels rewritten because the new parse differs.
        uncached: Labels with no stored completion (left untouched).
        errors: Labels that are errors after the re-parse.

    """

    labels: int
    changed: int
    uncached: int
    errors: int


def reparse(run: Run | str | os.PathLike[str]) -> ReparseSummary:
    """Parse every cached completion of a run again and store labels that changed.

    Raises:
        RunError: ``run`` is not a run, or another process holds it.

    """
    run = run if isinstance(run, Run) else open_run(run)
    manifest = run.manifest
    try:
        raw = manifest["sampling"]
        sampling = Sampling(mode=raw["mode"], labels=tuple(raw["labels"]),
                            max_tokens=raw["max_tokens"], temperature=raw["temperature"],
                            top_logprobs=raw["top_logprobs"])
    except (KeyError, TypeError) as exc:
        raise RunError(f"{run.path}: manifest has no usable 'sampling' ({exc})") from None
    values = manifest.get("label_values")
    total = changed = uncached = errors = 0
    with run.lock(), run.store() as reader, run.store() as writer:
        labels = reader.labels()  # a snapshot (WAL): the writes below do not disturb it
        while chunk := list(islice(labels, CHUNK)):
            total += len(chunk)
            cache = reader.cached([lab.key for lab in chunk])
            new_labels = []
            for lab in chunk:
                comp = cache.get(lab.key)
                if comp is None:
                    uncached += 1
                    errors += lab.error is not None
                    continue
                request = Request(lab.item_id, lab.order, (), sampling)
                new = to_label(comp, request, lab.judge, lab.key, values=values,
                               extra=lab.extra)
                errors += new.error is not None
                if new != lab:
                    new_labels.append(new)
            if new_labels:
                writer.write("", [], new_labels)  # one transaction per chunk
            changed += len(new_labels)
    return ReparseSummary(total, changed, uncached, errors)
