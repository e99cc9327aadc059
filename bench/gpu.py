"""GPU throughput: embeddings per second, and exact search latency at 1M and 10M templates.

One short run (about two minutes on an H100) on a machine with an NVIDIA GPU, writing JSON:

    python bench/gpu.py --out bench/results/gpu.json

Embedding runs the deployment's ONNX model through ONNX Runtime's CUDA provider (the
``gpu`` extra) at several batch sizes, on random aligned chips: it measures the embedder,
not dlib's CPU face detector, which the capacity plan counts separately. Search is the
exact inner-product scan that ``faiss-flat`` does on the CPU, on random unit vectors of
the model's dimension held in GPU memory, through the first of FAISS-GPU, PyTorch or CuPy
that is installed and sees a GPU (``--search-backend`` picks one). Single-probe latency
(p50/p95) and batched throughput are both reported, since an agency's searches arrive
one at a time.

On a machine without a GPU it stops at once with a message saying so, exit status 2, and
writes a JSON that says the same, so a scripted run fails plainly rather than timing the CPU.

Install on a CUDA 13 machine (docs/scaling.md explains the swap of the ONNX Runtime builds):

    pip install -e '.[gpu]' && pip uninstall -y onnxruntime \\
        && pip install --force-reinstall --no-deps onnxruntime-gpu==1.31.1

Where the facedocket package cannot be installed (another Python), ``--model-file`` names
the converted ONNX model (``<data_dir>/models/dlib_resnet_v1-*.onnx``) and
``PYTHONPATH=src`` suffices: only ``facedocket.faces.models`` and ``runtime`` are imported.
Where onnxruntime-gpu is missing but PyTorch sees the GPU, the embedder runs through
``onnx2torch`` (a small pure-Python wheel), after a check that its templates equal ONNX
Runtime's on the CPU; the JSON names the runtime that was timed.
"""

# Each GPU library is imported only where it is tried: most machines lack some of them.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

NO_GPU = 2
SearchFn = Callable[[np.ndarray, int], np.ndarray]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "gpu.json")
    parser.add_argument("--model-file", type=Path, help="ONNX embedder; default: the setting's")
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 64, 128, 256, 512])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--dimension", type=int, default=128)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--probes", type=int, default=200, help="single-probe searches timed")
    parser.add_argument("--search-backend", choices=["auto", "faiss", "torch", "cupy"])
    parser.add_argument("--seconds", type=float, default=5.0, help="per embedding batch size")
    args = parser.parse_args()

    result: dict[str, Any] = {
        "command": " ".join(["python", *sys.argv]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }
    gpu = find_gpu()
    result["gpu"] = gpu
    if not gpu["found"]:
        message = (
            "bench/gpu.py: no usable NVIDIA GPU here, nothing measured. It needs a CUDA "
            "device and one of onnxruntime-gpu, faiss-gpu, torch or cupy built for it "
            f"(looked at: {'; '.join(gpu['notes'])}). Run it on a GPU machine; see its docstring."
        )
        print(message, file=sys.stderr)
        result["error"] = message
        write(args.out, result)
        return NO_GPU

    result["embedding"] = embedding_throughput(args.model_file, args.batches, args.seconds)
    backend = args.search_backend or "auto"
    result["search"] = search_latency(backend, args.sizes, args.dimension, args.k, args.probes)
    result["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    write(args.out, result)
    print(json.dumps(result, indent=2))
    return 0


def write(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}", file=sys.stderr)


def find_gpu() -> dict[str, Any]:
    """Which libraries see a CUDA device; the device's name from the first that does."""
    notes: list[str] = []
    name = None
    smi = shutil.which("nvidia-smi")
    if smi:
        listed = subprocess.run(
            [smi, "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            check=False,
        )
        name = listed.stdout.strip().splitlines()[0] if listed.returncode == 0 else None
        notes.append(f"nvidia-smi: {name or listed.stderr.strip() or 'no device'}")
    else:
        notes.append("no nvidia-smi")
    try:
        import onnxruntime as ort

        providers = ort.get_available_providers()
        notes.append(f"onnxruntime {ort.__version__}: {', '.join(providers)}")
    except ImportError:
        notes.append("onnxruntime not installed")
    try:
        import torch

        seen = torch.cuda.is_available()
        if seen and name is None:
            name = torch.cuda.get_device_name(0)
        notes.append(f"torch {torch.__version__}: cuda {'yes' if seen else 'no'}")
    except ImportError:
        notes.append("torch not installed")
    try:
        import cupy

        count = cupy.cuda.runtime.getDeviceCount()
        if count and name is None:
            name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
        notes.append(f"cupy {cupy.__version__}: {count} device(s)")
    except ImportError:
        notes.append("cupy not installed")
    except Exception as error:  # cupy raises its own CUDA errors without a device
        notes.append(f"cupy: {error}")
    try:
        import faiss

        gpus = faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0
        notes.append(f"faiss {faiss.__version__}: {gpus} GPU(s)")
    except ImportError:
        notes.append("faiss not installed")
    return {"found": name is not None, "name": name, "notes": notes}


def embedding_throughput(model_file: Path | None, batches: list[int], seconds: float) -> Any:
    """Chips embedded per second on the GPU, per batch size.

    Through ONNX Runtime's CUDA provider when it is installed (what enrolment uses);
    otherwise through PyTorch running the same ONNX graph (onnx2torch), checked against
    ONNX Runtime on the CPU first, so that a GPU image without onnxruntime-gpu still says
    what the model costs on its GPU.
    """
    from facedocket.faces.models import ModelCard, OnnxEmbedder, normalise
    from facedocket.faces.runtime import CUDA

    if model_file is None:
        from facedocket.faces.registry import load_embedder
        from facedocket.settings import Settings

        settings = Settings()
        embedder = load_embedder(settings.model, settings.models_dir)
    else:
        # The built-in model's card; a registered model's card would come with its file.
        card = ModelCard("dlib-resnet-v1", "1.0", 128, 0.912, chip_size=150, chip_padding=0.25)
        embedder = OnnxEmbedder(card, model_file)
    providers = embedder._session.get_providers()
    out: dict[str, Any] = {"model": embedder.card.name, "onnxruntime_providers": providers}
    embed: Callable[[np.ndarray], np.ndarray] = embedder.embed
    if providers[0] == CUDA:
        out["runtime"] = "onnxruntime CUDAExecutionProvider"
    else:
        try:
            embed = torch_embedder(embedder, normalise)
            out["runtime"] = "torch, the ONNX graph through onnx2torch (no onnxruntime-gpu here)"
        except Exception as error:
            out["error"] = f"no CUDA provider in ONNX Runtime, and torch could not run it: {error}"
            return out
    size = embedder.card.chip_size
    rng = np.random.default_rng(0)
    rates = []
    for batch in batches:
        chips = rng.integers(0, 256, (batch, size, size, 3), dtype=np.uint8)
        embed(chips)  # warm-up: cuDNN picks its kernels for this shape
        runs, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            embed(chips)
            runs += 1
        spent = time.perf_counter() - began
        rate = batch * runs / spent
        rates.append({"batch": batch, "images_per_s": round(rate, 1), "runs": runs})
        print(f"embed batch {batch}: {rate:.0f} images/s", file=sys.stderr)
    out["flip_average"] = embedder.card.flip_average
    out["note"] = "an image is one aligned chip (two inferences with its mirror image)"
    out["batches"] = rates
    return out


def torch_embedder(
    embedder: Any, normalise: Callable[[np.ndarray], np.ndarray]
) -> Callable[[np.ndarray], np.ndarray]:
    """The embedder's ONNX graph as a torch module on the GPU, equal to ONNX Runtime's."""
    import onnx
    import torch
    from onnx2torch import convert

    if not torch.cuda.is_available():
        raise RuntimeError("torch sees no GPU")
    module = convert(onnx.load(str(embedder.model_path))).eval().to("cuda")
    card = embedder.card

    def run(chips: np.ndarray) -> np.ndarray:
        batch = np.concatenate([chips, chips[:, :, ::-1, :]]) if card.flip_average else chips
        values = (batch.astype(np.float32) - card.mean) * card.scale
        if card.layout == "nchw":
            values = values.transpose(0, 3, 1, 2)
        with torch.inference_mode():
            found = module(torch.from_numpy(np.ascontiguousarray(values)).to("cuda"))
            vectors = normalise(found.float().cpu().numpy())
        if not card.flip_average:
            return vectors
        return normalise(vectors[: len(chips)] + vectors[len(chips) :])

    size = card.chip_size
    sample = np.random.default_rng(3).integers(0, 256, (4, size, size, 3), dtype=np.uint8)
    gap = float(np.abs(run(sample) - embedder.embed(sample)).max())
    if gap > 1e-3:
        raise RuntimeError(f"torch's templates differ from ONNX Runtime's by {gap}")
    return run


def search_latency(backend: str, sizes: list[int], dimension: int, k: int, probes: int) -> Any:
    """Exact top-k by inner product over random unit vectors kept in GPU memory."""
    picked = pick_backend(backend)
    if picked is None:
        return {"error": f"no GPU search backend ({backend}): install torch, cupy or faiss-gpu"}
    chosen, make = picked
    out: dict[str, Any] = {"backend": chosen, "k": k, "dimension": dimension, "sizes": []}
    for size in sizes:
        search, build_s = make(size, dimension)
        rng = np.random.default_rng(1)
        queries = rng.standard_normal((probes, dimension)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        search(queries[:4], k)  # warm-up
        times = []
        for q in queries:
            began = time.perf_counter()
            search(q[None, :], k)
            times.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        search(queries, k)
        batch_ms = (time.perf_counter() - began) * 1000
        row = {
            "templates": size,
            "build_s": round(build_s, 2),
            "p50_ms": round(float(np.percentile(times, 50)), 3),
            "p95_ms": round(float(np.percentile(times, 95)), 3),
            "batch_queries": probes,
            "batch_ms": round(batch_ms, 2),
            "batch_queries_per_s": round(probes / batch_ms * 1000, 1),
        }
        out["sizes"].append(row)
        print(f"search {size:,}: p50 {row['p50_ms']} ms p95 {row['p95_ms']} ms", file=sys.stderr)
        del search
    return out


def pick_backend(backend: str) -> tuple[str, Callable[[int, int], tuple[SearchFn, float]]] | None:
    order = ["faiss", "torch", "cupy"] if backend == "auto" else [backend]
    for name in order:
        try:
            if name == "faiss":
                import faiss

                if getattr(faiss, "get_num_gpus", lambda: 0)() > 0:
                    return name, faiss_gpu
            elif name == "torch":
                import torch

                if torch.cuda.is_available():
                    return name, torch_gpu
            elif name == "cupy":
                import cupy

                if cupy.cuda.runtime.getDeviceCount() > 0:
                    return name, cupy_gpu
        except ImportError:
            continue
    return None


def faiss_gpu(size: int, dimension: int) -> tuple[SearchFn, float]:
    import faiss

    began = time.perf_counter()
    resources = faiss.StandardGpuResources()  # must outlive the index
    index = faiss.GpuIndexFlatIP(resources, dimension)
    rng = np.random.default_rng(2)
    for start in range(0, size, 1_000_000):
        chunk = rng.standard_normal((min(1_000_000, size - start), dimension)).astype(np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        index.add(chunk)

    def search(queries: np.ndarray, k: int) -> np.ndarray:
        assert resources is not None
        return np.asarray(index.search(queries, k)[1])

    return search, time.perf_counter() - began


def torch_gpu(size: int, dimension: int) -> tuple[SearchFn, float]:
    import torch

    began = time.perf_counter()
    generator = torch.Generator(device="cuda").manual_seed(2)
    gallery = torch.randn(size, dimension, device="cuda", generator=generator)
    gallery /= gallery.norm(dim=1, keepdim=True)
    torch.cuda.synchronize()

    def search(queries: np.ndarray, k: int) -> np.ndarray:
        q = torch.from_numpy(queries).to("cuda", non_blocking=True)
        scores = q @ gallery.T
        return np.asarray(torch.topk(scores, k, dim=1).indices.cpu().numpy())  # synchronises

    return search, time.perf_counter() - began


def cupy_gpu(size: int, dimension: int) -> tuple[SearchFn, float]:
    import cupy

    began = time.perf_counter()
    gallery = cupy.random.default_rng(2).standard_normal((size, dimension), dtype=cupy.float32)
    gallery /= cupy.linalg.norm(gallery, axis=1, keepdims=True)
    cupy.cuda.Stream.null.synchronize()

    def search(queries: np.ndarray, k: int) -> np.ndarray:
        scores = cupy.asarray(queries) @ gallery.T
        top = cupy.argpartition(-scores, k, axis=1)[:, :k]
        order = cupy.argsort(-cupy.take_along_axis(scores, top, axis=1), axis=1)
        return np.asarray(cupy.asnumpy(cupy.take_along_axis(top, order, axis=1)))

    return search, time.perf_counter() - began


if __name__ == "__main__":
    sys.exit(main())
