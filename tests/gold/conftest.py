"""A real HTTP mirror on 127.0.0.1 serving sample upstream files, and a private gold cache.

The server lays files out as raw GitHub does (``/OWNER/REPO/COMMIT/PATH``), honours
``Range`` unless told not to, and can cut the connection after some bytes for the first
requests (an interrupted download). It is shut down at the end of each test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from judgekit.gold import GoldSet
from judgekit.gold import _registry as registry

from .samples import sample_set


@dataclass
class Mirror:
    """What the test server serves and how it misbehaves; ``requests`` logs what it saw."""

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    ranges: bool = True
    cut_after: int | None = None
    cuts: int = 0
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def add(self, gold: GoldSet, files: dict[str, bytes]) -> None:
        for f in gold.files:
            self.files[f"/{gold.repo}/{gold.commit}/{f.path}"] = files[f.path]


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            path = unquote(self.path)
            rng = self.headers.get("Range")
            mirror.requests.append((path, rng))
            body = mirror.files.get(path)
            if body is None:
                self.send_error(404)
                return
            start = int(rng.removeprefix("bytes=").split("-")[0]) if rng and mirror.ranges else 0
            if start >= len(body) > 0:
                self.send_error(416)
                return
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            chunk = body[start:]
            if mirror.cuts > 0 and mirror.cut_after is not None:
                mirror.cuts -= 1
                self.wfile.write(chunk[:mirror.cut_after])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(chunk)

    return Handler


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    """A live mirror at ``JUDGEKIT_GOLD_MIRROR``; stopped (shutdown, close) at test end."""
    state = Mirror()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    monkeypatch.setenv("JUDGEKIT_GOLD_MIRROR", state.url)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache, no gold root from the env, and no fetch on first use."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("JUDGEKIT_GOLD_ROOT", raising=False)
    monkeypatch.delenv("JUDGEKIT_GOLD_MIRROR", raising=False)
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", "never")
    return tmp_path / "xdg" / "judgekit" / "gold"


Serve = Callable[..., GoldSet]


@pytest.fixture
def serve(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> Serve:
    """``serve(name, files=None)``: put the sample of ``name`` in the registry and on the
    mirror; returns the sample's registry entry."""
    def put(name: str, files: dict[str, bytes] | None = None) -> GoldSet:
        from .samples import SAMPLES

        files = files if files is not None else SAMPLES[name]()
        entry = sample_set(name, files)
        monkeypatch.setattr(registry, "REGISTRY", tuple(
            entry if g.name == name else g for g in registry.REGISTRY))
        mirror.add(entry, files)
        return entry

    return put
