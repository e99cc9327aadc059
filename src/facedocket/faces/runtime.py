"""ONNX Runtime sessions: CUDA when the GPU build and a device are present, else the CPU.

The GPU build is the optional ``gpu`` extra (``onnxruntime-gpu``); see docs/scaling.md for
the install line. Nothing else changes: the same model file, the same code, and the CPU
provider stays listed after CUDA, so a machine without a usable device still runs.
"""

from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Imported where a session is made: ONNX Runtime takes a second to load, which every
    # command that never embeds a face would otherwise pay.
    import onnxruntime as ort

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


@cache
def available_providers() -> list[str]:
    """Execution providers in order of preference, limited to what this machine has."""
    import onnxruntime as ort  # noqa: PLC0415

    present = set(ort.get_available_providers())
    if CUDA in present:
        _preload_cuda_libraries()
    preferred = [CUDA, CPU]
    return [name for name in preferred if name in present]


def uses_gpu() -> bool:
    """Whether new sessions run on CUDA, so batches should be sized for a GPU."""
    return CUDA in available_providers()


def _preload_cuda_libraries() -> None:
    # onnxruntime-gpu can load the CUDA and cuDNN libraries that pip installed (the
    # nvidia-* wheels of its cuda and cudnn extras); without it they must be on the
    # loader's path. A machine with a system CUDA needs neither, so failure is fine here:
    # creating a session says plainly what is missing.
    import onnxruntime as ort  # noqa: PLC0415

    preload = getattr(ort, "preload_dlls", None)
    if preload is not None:
        with contextlib.suppress(OSError, RuntimeError):
            preload()


def make_session(model_path: Path, *, threads: int = 1) -> ort.InferenceSession:
    """A session for one model file.

    One intra-op thread by default: enrolment runs one process per core, and each process
    spreading over every core would only make them fight.
    """
    import onnxruntime as ort  # noqa: PLC0415

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(
        str(model_path), sess_options=options, providers=available_providers()
    )
