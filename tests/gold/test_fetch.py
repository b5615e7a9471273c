"""Fetching from a real HTTP server on 127.0.0.1: verify, convert, cache; refuse, resume."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from judgekit import DataUnavailable
from judgekit.gold import cached, fetch_gold, provenance
from judgekit.gold._download import ATTEMPTS

from .conftest import Mirror, Serve
from .samples import SAMPLES


def leftovers(cache: Path) -> list[str]:
    """Everything in the cache but the resumable downloads folder."""
    if not cache.exists():
        return []
    return sorted(p.name for p in cache.iterdir() if p.name != ".downloads")


def test_fetch_verifies_converts_and_caches_with_provenance(serve: Serve, mirror: Mirror,
                                                            private_cache: Path) -> None:
    entry = serve("llmbar")
    path = fetch_gold("llmbar")
    assert path == private_cache / "llmbar" / "data.jsonl" == cached("llmbar")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == entry.items == 3
    record = provenance("llmbar")
    assert record is not None and record["commit"] == entry.commit
    assert [f["sha256"] for f in record["files"]] == [f.sha256 for f in entry.files]
    assert record["files"][0]["url"].startswith(mirror.url + "/princeton-nlp/LLMBar/")
    assert record["license"] == "MIT" and "arXiv:2310.07641" in record["citation"]
    assert leftovers(private_cache) == ["llmbar"]
    assert not (private_cache / ".downloads" / "llmbar").exists()
    n = len(mirror.requests)
    assert fetch_gold("llmbar") == path and len(mirror.requests) == n  # cached: no download


def test_tampered_file_is_refused_and_nothing_is_left(serve: Serve, mirror: Mirror,
                                                      private_cache: Path) -> None:
    entry = serve("pandalm-test")
    key = f"/{entry.repo}/{entry.commit}/{entry.files[0].path}"
    mirror.files[key] = mirror.files[key].replace(b"Yes.", b"Yep.")
    with pytest.raises(DataUnavailable) as info:
        fetch_gold("pandalm-test")
    msg = str(info.value)
    assert "gold set 'pandalm-test'" in msg and "sha256 mismatch" in msg
    assert "upstream file data/testset-v1.json" in msg and "refused and deleted" in msg
    assert "JUDGEKIT_GOLD_MIRROR" in (info.value.fix or "")
    assert cached("pandalm-test") is None and leftovers(private_cache) == []
    assert list((private_cache / ".downloads").rglob("*")) == [
        private_cache / ".downloads" / "pandalm-test"]  # the folder, no part, no file


def test_interrupted_download_resumes_with_range(serve: Serve, mirror: Mirror) -> None:
    serve("hhh-alignment")
    mirror.cut_after, mirror.cuts = 100, 1
    fetch_gold("hhh-alignment")
    ranges = [rng for _, rng in mirror.requests]
    assert ranges == [None, "bytes=100-"]
    assert cached("hhh-alignment") is not None


def test_interrupted_download_restarts_when_the_server_ignores_range(serve: Serve,
                                                                    mirror: Mirror) -> None:
    serve("hhh-alignment")
    mirror.ranges, mirror.cut_after, mirror.cuts = False, 100, 1
    path = fetch_gold("hhh-alignment")
    assert len(mirror.requests) == 2 and mirror.requests[1][1] == "bytes=100-"
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3


def test_a_download_broken_every_time_resumes_on_the_next_run(serve: Serve, mirror: Mirror,
                                                              private_cache: Path) -> None:
    entry = serve("roscoe-gsm8k-steps")
    mirror.cut_after, mirror.cuts = 50, ATTEMPTS
    with pytest.raises(DataUnavailable, match=r"bytes kept to resume") as info:
        fetch_gold("roscoe-gsm8k-steps", accept_licenses=["evaluation-only"])
    assert "run the same `judgekit gold fetch` again" in (info.value.fix or "")
    assert cached("roscoe-gsm8k-steps") is None and leftovers(private_cache) == []
    [part] = (private_cache / ".downloads" / "roscoe-gsm8k-steps").iterdir()
    assert part.name.endswith(".part") and part.stat().st_size == 50 * ATTEMPTS
    fetch_gold("roscoe-gsm8k-steps", accept_licenses=["evaluation-only"])
    assert mirror.requests[-1][1] == f"bytes={50 * ATTEMPTS}-"
    assert cached("roscoe-gsm8k-steps") is not None and entry.items == 3


def test_offline_says_what_to_run(serve: Serve, mirror: Mirror, monkeypatch: pytest.MonkeyPatch,
                                  private_cache: Path) -> None:
    serve("llmbar")
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("JUDGEKIT_GOLD_MIRROR", f"http://127.0.0.1:{port}")
    with pytest.raises(DataUnavailable) as info:
        fetch_gold("llmbar")
    msg = str(info.value)
    assert "could not download" in msg and "ConnectError" in msg
    assert "--gold-root DIR" in msg and "JUDGEKIT_GOLD_ROOT" in msg
    assert cached("llmbar") is None and leftovers(private_cache) == []


def test_missing_upstream_file_is_an_http_error(serve: Serve, mirror: Mirror) -> None:
    entry = serve("llmbar")
    del mirror.files[f"/{entry.repo}/{entry.commit}/{entry.files[1].path}"]
    with pytest.raises(DataUnavailable, match="answered HTTP 404"):
        fetch_gold("llmbar")
    assert cached("llmbar") is None


@pytest.mark.parametrize(("name", "license_id"), [("judgebench", "no-license"),
                                                   ("codeprefbench-human", "CC-BY-NC-4.0"),
                                                   ("roscoe-gsm8k-steps", "evaluation-only")])
def test_restricted_sets_need_their_licence_by_name(serve: Serve, mirror: Mirror, name: str,
                                                    license_id: str) -> None:
    serve(name)
    with pytest.raises(DataUnavailable) as info:
        fetch_gold(name, accept_licenses=["MIT"])
    assert f"run `judgekit gold fetch {name} --accept-license {license_id}`" in str(info.value)
    assert mirror.requests == []  # refused before any download
    assert fetch_gold(name, accept_licenses=[license_id.lower()]).is_file()


def test_a_wrong_item_count_is_not_cached(serve: Serve, mirror: Mirror,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from judgekit.gold import _registry as registry

    entry = serve("kqa-physician-nli")
    monkeypatch.setattr(registry, "REGISTRY", (dataclasses.replace(entry, items=5),))
    with pytest.raises(DataUnavailable, match="made 2 items, the registry expects 5"):
        fetch_gold("kqa-physician-nli")
    assert cached("kqa-physician-nli") is None


def test_unknown_name_lists_the_sets() -> None:
    with pytest.raises(DataUnavailable, match="no built-in gold set") as info:
        fetch_gold("nope")
    assert all(name in (info.value.fix or "") for name in SAMPLES)


def test_a_local_mirror_folder_works_offline(serve: Serve, mirror: Mirror, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    entry = serve("dices-350-safety")
    for key, body in mirror.files.items():
        (tmp_path / "m" / key.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "m" / key.lstrip("/")).write_bytes(body)
    monkeypatch.setenv("JUDGEKIT_GOLD_MIRROR", str(tmp_path / "m"))
    assert len(fetch_gold("dices-350-safety").read_text().splitlines()) == entry.items
    assert mirror.requests == []
