"""Check every gold converter against the published gold sets in ../shared/gold (developers).

For each registry set: get its upstream files (verified against the registry's sha256),
convert them, and compare with ``<gold>/<set>/data.jsonl`` row by row (parsed JSON, by
position and id) and byte for byte. Prints one line per set, then the differing rows' ids.

Upstream files come from, in this order of preference:

* ``--git-mirrors DIR``: local git snapshots laid out ``DIR/OWNER+NAME/repo`` (read with
  ``git show COMMIT:PATH``), as the ``fetch`` tool of this workplace leaves them;
* ``--mirror URL|DIR``: an HTTP mirror or a folder laid out ``OWNER/REPO/COMMIT/PATH``;
* otherwise ``JUDGEKIT_GOLD_MIRROR`` or GitHub raw files (needs the network).

Usage::

    .venv/bin/python scripts/check_gold_converters.py [--gold ../shared/gold]
        [--git-mirrors /work/.mirror | --mirror URL|DIR] [SET ...]

Exit status: 0 when every checked set is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from judgekit.gold import GoldSet, convert, gold_sets
from judgekit.gold._download import get_file, mirror

REPO = Path(__file__).resolve().parents[1]


def upstream(gold: GoldSet, args: argparse.Namespace, tmp: Path) -> dict[str, bytes]:
    """The set's upstream files' bytes, each checked against the registry's sha256."""
    files: dict[str, bytes] = {}
    for i, file in enumerate(gold.files):
        if args.git_mirrors:
            git_dir = Path(args.git_mirrors) / gold.repo.replace("/", "+") / "repo"
            data = subprocess.run(["git", f"--git-dir={git_dir}", "show",
                                   f"{gold.commit}:{file.path}"], check=True,
                                  capture_output=True).stdout
            digest = hashlib.sha256(data).hexdigest()
            if digest != file.sha256:
                raise SystemExit(f"{gold.name}: {file.path} sha256 {digest} != {file.sha256}")
        else:
            dest = get_file(gold, file, tmp / f"{gold.name}-{i}", base=args.mirror or mirror())
            data = dest.read_bytes()
        files[file.path] = data
    return files


def compare(gold: GoldSet, made: bytes, expected_path: Path) -> tuple[str, list[str]]:
    """One summary line and the ids of the differing rows."""
    if not expected_path.is_file():
        return f"{gold.name:28} no published copy at {expected_path}", []
    expected = expected_path.read_bytes()
    ours = [json.loads(line) for line in made.decode("utf-8").splitlines()]
    theirs = [json.loads(line) for line in expected.decode("utf-8").splitlines()]
    by_id: dict[str, Any] = {row["id"]: row for row in theirs}
    same = sum(a == b for a, b in zip(ours, theirs, strict=False))
    differing = [row["id"] for row in ours if by_id.get(row["id"]) != row]
    missing = sorted(set(by_id) - {row["id"] for row in ours})
    verdict = "IDENTICAL" if made == expected else ("same rows, other bytes" if not differing
                                                     and not missing and len(ours)
                                                     == len(theirs) else "DIFFERS")
    line = (f"{gold.name:28} {verdict:22} converted {len(ours):5}  published {len(theirs):5}  "
            f"identical rows {same:5}  differing {len(differing):4}  missing {len(missing):4}")
    return line, differing[:5] + [f"missing: {m}" for m in missing[:5]]


def say(line: str) -> None:
    """One line of the report on stdout."""
    sys.stdout.write(line + "\n")


def main() -> int:
    """Run the check; 0 when every set converts to exactly the published file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="set names (default: all)")
    parser.add_argument("--gold", default=str(REPO.parent / "shared" / "gold"),
                        help="folder of the published gold sets")
    parser.add_argument("--git-mirrors", help="folder of local git snapshots (OWNER+NAME/repo)")
    parser.add_argument("--mirror", help="HTTP mirror or folder OWNER/REPO/COMMIT/PATH")
    args = parser.parse_args()
    chosen = [g for g in gold_sets() if not args.sets or g.name in args.sets]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for gold in chosen:
            if not gold.available:
                say(f"{gold.name:28} UNAVAILABLE (no sha256 recorded)")
                ok = False
                continue
            made = convert(gold, upstream(gold, args, Path(tmp)))
            line, ids = compare(gold, made, Path(args.gold) / gold.name / "data.jsonl")
            ok = ok and "IDENTICAL" in line
            say(line)
            for item_id in ids:
                say(f"    differs: {item_id}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
