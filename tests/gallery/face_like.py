"""Templates shaped like real face templates, for tests that compare searches.

Uniform random unit vectors are all nearly orthogonal, so every search of them is easy and
proves little. Real templates crowd into a narrow cone in loose groups (bench/synthetic.py
fits such a mixture to the development set's templates, which the tests cannot embed in
time): here a mixture of 32 groups around one direction, spread so that two strangers'
cosine is about 0.84 (std 0.02; dlib's real impostors: 0.84), and people whose photos
score about 0.95 with each other, as mates do.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float32]


def _unit(vectors: NDArray[np.float64]) -> Matrix:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def people(count: int, photos: int, dim: int = 128, seed: int = 0) -> tuple[Matrix, Matrix]:
    """``photos`` templates of each of ``count`` people, shape (count, photos, dim), and one
    more photo of each (their probes), shape (count, dim)."""
    rng = np.random.default_rng(seed)
    centre = _unit(np.random.default_rng(1234).standard_normal(dim))
    groups = _unit(centre + 0.25 * _unit(np.random.default_rng(1235).standard_normal((32, dim))))
    faces = groups[rng.integers(0, 32, count)] + 0.25 * rng.standard_normal((count, dim)) / dim**0.5
    noise = 0.25 * rng.standard_normal((count, photos + 1, dim)) / dim**0.5
    shots = _unit(faces[:, None, :] + noise)
    return shots[:, :photos], shots[:, photos]
