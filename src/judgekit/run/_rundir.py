"""The run directory as one object: its manifest, its lock and its label store.

A run directory holds ``manifest.json`` (provenance, rewritten atomically), ``.lock`` (held
by the one process writing the run) and ``labels.sqlite`` (:mod:`judgekit.run._store`).
Everything that reads or writes a run goes through :class:`Run`.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judgekit._errors import RunError
from judgekit._types import Label
from judgekit.run._store import LABELS_FILE, Store

if TYPE_CHECKING:
    from judgekit.content._suite import LoadedSuite
    from judgekit.run._aggregate import ItemVerdict

MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
DATA_SUFFIXES = frozenset({".jsonl", ".csv", ".parquet"})


class Run:
    """A judgekit run directory.

    Use :func:`open_run` to read an existing run; :func:`judgekit.run_suite` creates one.

    Args:
        path: The run directory.

    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    @property
    def manifest_path(self) -> Path:
        """Where the manifest lies."""
        return self.path / MANIFEST_FILE

    def exists(self) -> bool:
        """Whether the directory holds a run (has a manifest)."""
        return self.manifest_path.is_file()

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest as stored now.

        Raises:
            RunError: The directory is not a run, or its manifest is unreadable.

        """
        self._require()
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RunError(f"{self.manifest_path} is unreadable ({exc}); the run cannot be "
                           "used") from None
        if not isinstance(data, dict):
            raise RunError(f"{self.manifest_path} is not a JSON object")
        return data

    def create(self) -> None:
        """Create the directory (and its parents) if it does not exist.

        Raises:
            RunError: The path is a file, or lies under one, or cannot be created.

        """
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise RunError(f"{self.path} exists and is not a folder; choose another --out "
                           "directory") from None
        except OSError as exc:
            raise RunError(f"cannot create the run directory {self.path}: {exc.strerror}; "
                           "choose another --out directory") from None

    def _require(self) -> None:
        """Fail clearly, naming the directory, when it holds no run."""
        if not self.exists():
            raise RunError(f"{self.path} is not a judgekit run (no {MANIFEST_FILE})")

    def write_manifest(self, data: dict[str, Any]) -> None:
        """Replace the manifest atomically (fsync'd temporary file, then rename)."""
        write_json_atomic(self.manifest_path, data)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the run's exclusive lock.

        Raises:
            RunError: Another process holds it.

        """
        with open(self.path / LOCK_FILE, "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunError(f"{self.path} is in use by another judgekit run") from None
            yield

    def store(self) -> Store:
        """Open the label store (close it, or use it as a context manager)."""
        return Store(self.path / LABELS_FILE)

    def labels(self, judge: str | None = None, *, hidden: bool = False) -> list[Label]:
        """Stored labels (of one judge, or all), ordered by item, order and judge.

        Args:
            judge: One judge's labels only.
            hidden: The labels of the hidden gold items mixed into the run instead of the
                run's own (which never include them).

        """
        self._require()
        with self.store() as store:
            return list(store.labels(judge, hidden=hidden))

    def judges(self) -> list[str]:
        """Judges that have labels in this run."""
        self._require()
        with self.store() as store:
            return store.judges()

    def verdicts(self, tie_margin: float = 0.0) -> list[ItemVerdict]:
        """Item verdicts per judge, both orders combined (:func:`judgekit.run.item_verdicts`)."""
        from judgekit.run._aggregate import item_verdicts

        return item_verdicts(self.labels(), tie_margin)

    def suite(self, gold_root: Path | None = None, *, verify: bool = False) -> LoadedSuite:
        """Load the suite the run was made from (the path its manifest records).

        Args:
            gold_root: Where the suite's ``gold:`` item paths point.
            verify: Also check that its items files are the ones the run judged (sha256).

        Raises:
            RunError: ``verify`` and an items file changed since the run.

        """
        from judgekit.content._items import ItemSource
        from judgekit.content._suite import load_suite

        manifest = self.manifest
        suite = load_suite(str(manifest.get("suite_path") or manifest["suite"]),
                           gold_root=gold_root)
        source = manifest.get("items_source") or {}
        if verify and source.get("sha256") and isinstance(suite.items, ItemSource):
            if suite.items.describe()["sha256"] != source["sha256"]:
                raise RunError(f"the items {source.get('items')!r} changed since the run in "
                               f"{self.path} (sha256 differs): the texts would not be the ones "
                               "judged; re-run the suite")
        elif verify:
            recorded: dict[str, str] = manifest.get("sources_sha256") or {}
            judged = {sha for p, sha in recorded.items() if Path(p).suffix in DATA_SUFFIXES}
            # the files just loaded (hashed by load_suite) must be ones the run judged,
            # wherever they lie now: a recorded path proves nothing about the texts
            for p, sha in suite.sources.items():
                if judged and Path(p).suffix in DATA_SUFFIXES and sha not in judged:
                    raise RunError(f"{p} changed since the run in {self.path} (sha256 "
                                   "differs): the texts would not be the ones judged; "
                                   "re-run the suite")
        return suite


def open_run(path: str | os.PathLike[str]) -> Run:
    """Open an existing run directory.

    Raises:
        RunError: ``path`` holds no run.

    """
    run = Run(path)
    run._require()
    return run


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` via a fsync'd temporary file and an atomic rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
