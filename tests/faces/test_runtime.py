"""ONNX Runtime picks CUDA by itself when the GPU build offers it, and the CPU otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import onnxruntime as ort
import pytest

from facedocket.faces import runtime


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    runtime.available_providers.cache_clear()
    yield
    runtime.available_providers.cache_clear()


def test_cuda_first_when_the_gpu_build_offers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[bool] = []
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["CPUExecutionProvider", "CUDAExecutionProvider"]
    )
    monkeypatch.setattr(ort, "preload_dlls", lambda: loaded.append(True), raising=False)
    assert runtime.available_providers() == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert runtime.uses_gpu()
    assert loaded == [True], "the CUDA libraries that pip installed must be loaded first"


def test_cpu_alone_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["AzureExecutionProvider", "CPUExecutionProvider"]
    )
    assert runtime.available_providers() == ["CPUExecutionProvider"]
    assert not runtime.uses_gpu()
