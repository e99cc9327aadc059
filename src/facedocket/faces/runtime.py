"""ONNX Runtime sessions: CUDA when the GPU build and a device are present, else the CPU."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def available_providers() -> list[str]:
    """Execution providers in order of preference, limited to what this machine has."""
    present = set(ort.get_available_providers())
    preferred = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return [name for name in preferred if name in present]


def make_session(model_path: Path, *, threads: int = 1) -> ort.InferenceSession:
    """A session for one model file.

    One intra-op thread by default: enrolment runs one process per core, and each process
    spreading over every core would only make them fight.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(
        str(model_path), sess_options=options, providers=available_providers()
    )
