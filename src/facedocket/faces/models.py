"""The model interface: what an embedder needs, and one ONNX implementation of it.

An agency may register another embedder; a model card describes everything that differs
between models (input size and scaling, alignment, dimension, calibrated threshold), so
the rest of the system never special-cases a model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from facedocket.faces.runtime import make_session

if TYPE_CHECKING:
    import onnxruntime as ort

Vectors = NDArray[np.float32]
Chips = NDArray[np.uint8]


@dataclass(frozen=True)
class ModelCard:
    """Everything the pipeline must know about an embedding model."""

    name: str
    version: str
    dimension: int
    # Cosine similarity at and above which two faces are called a possible match.
    threshold: float
    # Alignment: the chip is cut around the five landmarks with dlib's face-chip geometry.
    chip_size: int = 150
    chip_padding: float = 0.25
    # Input scaling applied before the graph: (pixel - mean) * scale, in this layout.
    layout: Literal["nhwc", "nchw"] = "nhwc"
    mean: float = 0.0
    scale: float = 1.0
    # Embedding the mirrored chip too and averaging is cheap accuracy for most models.
    flip_average: bool = True
    # A probe (one of a few thousand a year, where a miss matters) is also embedded from its
    # chip turned by each of these angles, in degrees, and the templates averaged; a gallery
    # photo (one of millions) is not. dlib's published LFW accuracy is measured with such
    # jittered copies; a fixed set keeps one photo's template the same every time.
    probe_rotations: tuple[float, ...] = ()


class Embedder(Protocol):
    card: ModelCard

    @property
    def file_sha256(self) -> str: ...

    def embed(self, chips: Chips, *, probe: bool = False) -> Vectors:
        """L2-normalised embeddings, one row per aligned chip (N x H x W x 3 RGB).

        ``probe`` asks for the card's probe augmentation (``probe_rotations``).
        """
        ...


def sha256_file(path: Path) -> str:
    """The file's SHA-256, remembered while the file stays the same one.

    Every command and request builds a pipeline, and the model files are tens of megabytes;
    a file replaced or rewritten has another inode, size or modification time, so it is
    hashed again.
    """
    stat = path.stat()
    return _sha256_of(path.resolve(), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _sha256_of(path: Path, _device: int, _inode: int, _size: int, _mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OnnxEmbedder:
    """An embedder backed by one ONNX file; the session is created on first use."""

    def __init__(self, card: ModelCard, model_path: Path, *, threads: int = 1) -> None:
        self.card = card
        self.model_path = model_path
        self._threads = threads

    @cached_property
    def file_sha256(self) -> str:
        return sha256_file(self.model_path)

    @cached_property
    def _session(self) -> ort.InferenceSession:
        return make_session(self.model_path, threads=self._threads)

    def embed(self, chips: Chips, *, probe: bool = False) -> Vectors:
        if chips.ndim != 4 or chips.shape[1:] != (self.card.chip_size, self.card.chip_size, 3):
            raise ValueError(
                f"{self.card.name} takes chips of {self.card.chip_size}x{self.card.chip_size}x3, "
                f"got {chips.shape}"
            )
        if len(chips) == 0:
            return np.zeros((0, self.card.dimension), dtype=np.float32)
        views = [chips]
        if probe:
            views += [rotated(chips, degrees) for degrees in self.card.probe_rotations]
        if self.card.flip_average:
            views += [view[:, :, ::-1, :] for view in views]
        if len(views) == 1:
            return normalise(self._run(chips))
        # One batch holding every view of every chip keeps the session busy; each view's
        # template counts the same in the average.
        found = normalise(self._run(np.concatenate(views))).reshape(len(views), len(chips), -1)
        return normalise(found.sum(axis=0))

    def _run(self, chips: Chips) -> Vectors:
        batch = (chips.astype(np.float32) - self.card.mean) * self.card.scale
        if self.card.layout == "nchw":
            batch = batch.transpose(0, 3, 1, 2)
        session = self._session
        name = session.get_inputs()[0].name
        output = session.run(None, {name: np.ascontiguousarray(batch)})[0]
        vectors: Vectors = np.asarray(output, dtype=np.float32)
        return vectors


def rotated(chips: Chips, degrees: float) -> Chips:
    """Each chip turned about its centre (bilinear; the corners it uncovers are black)."""
    turned = [
        np.asarray(Image.fromarray(chip).rotate(degrees, resample=Image.Resampling.BILINEAR))
        for chip in chips
    ]
    return np.stack(turned).astype(np.uint8)


def normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit
