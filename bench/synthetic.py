"""Synthetic strangers for million-template galleries that behave like real ones.

The set has a few thousand real faces; a state gallery has millions. Filling it with
uniform random unit vectors would be wrong twice: in 128 dimensions they are all nearly
orthogonal to a real probe (cosine ~ 0 ± 0.09), so they never compete with the mate (exact
search looks perfect) yet they form no structure an HNSW graph can exploit (approximate
search looks broken). Real templates crowd into a narrow cone (a stranger's cosine is
~0.84 for dlib's model). So the distractors are drawn from Gaussians fitted to real
templates, normalised, with one scale on the spread chosen so that their similarity to
real probes matches the real impostor distribution; both distributions are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from metrics import ks_statistic, summarise

Matrix = NDArray[np.float32]


def normalise(vectors: NDArray[np.float64] | Matrix) -> Matrix:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Matrix = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


@dataclass(frozen=True)
class StrangerModel:
    """A mixture of Gaussians sharing one covariance; ``spread`` scales every deviation.

    One Gaussian gets the bulk of the impostor distribution right but its upper tail too
    light, and it is less structured than real faces (a higher local intrinsic dimension,
    which makes every graph index look worse): real faces form loose groups (age, sex,
    ancestry, photo style), so a stranger from a probe's own group resembles it more than
    an average stranger does. Components found by spherical k-means (each the average of
    dozens of people, so no one is reproduced) restore most of the tail and the structure.
    """

    centres: NDArray[np.float64]  # (k, d)
    weights: NDArray[np.float64]  # (k,)
    factor: NDArray[np.float64]  # Cholesky factor of the pooled within-component covariance
    spread: float = 1.0

    @classmethod
    def fit(cls, templates: Matrix, components: int = 64, seed: int = 0) -> StrangerModel:
        data = templates.astype(np.float64)
        rng = np.random.default_rng(seed)
        centres = data[rng.choice(len(data), components, replace=False)]
        labels = np.zeros(len(data), dtype=np.int64)
        for _ in range(50):
            labels = np.argmax(data @ centres.T, axis=1)
            moved = np.stack(
                [
                    data[labels == k].mean(axis=0) if np.any(labels == k) else centres[k]
                    for k in range(components)
                ]
            )
            if np.allclose(moved, centres):
                break
            centres = moved
        residuals = data - centres[labels]
        covariance = np.cov(residuals, rowvar=False)
        # Templates span fewer than d directions (dlib's: 85 of 128); a tiny ridge keeps the
        # factorisation defined without adding noise anyone could measure.
        ridge = 1e-6 * np.trace(covariance) / len(covariance)
        factor = np.linalg.cholesky(covariance + ridge * np.eye(len(covariance)))
        weights = np.bincount(labels, minlength=components) / len(data)
        return cls(centres, weights, factor)

    def with_spread(self, spread: float) -> StrangerModel:
        return StrangerModel(self.centres, self.weights, self.factor, spread)

    def sample(self, count: int, seed: int, chunk: int = 100_000) -> Matrix:
        """``count`` unit vectors; drawn in chunks so a million costs little memory."""
        rng = np.random.default_rng(seed)
        dimension = self.centres.shape[1]
        out = np.empty((count, dimension), dtype=np.float32)
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            component = rng.choice(len(self.weights), n, p=self.weights)
            z = rng.standard_normal((n, dimension))
            out[start : start + n] = normalise(
                self.centres[component] + self.spread * (z @ self.factor.T)
            )
        return out


def impostor_scores(
    probes: Matrix, probe_ids: list[str], gallery: Matrix, gallery_ids: list[str]
) -> NDArray[np.float32]:
    """Cosine of every real probe with every real gallery template of another identity."""
    scores = probes @ gallery.T
    different = np.array(probe_ids)[:, None] != np.array(gallery_ids)[None, :]
    values: NDArray[np.float32] = scores[different]
    return values


def stranger_scores(probes: Matrix, strangers: Matrix) -> NDArray[np.float32]:
    values: NDArray[np.float32] = (probes @ strangers.T).ravel()
    return values


def calibrate(
    model: StrangerModel, probes: Matrix, real: NDArray[np.float32], count: int, seed: int
) -> tuple[StrangerModel, list[dict[str, float]]]:
    """The spread whose stranger scores are closest (KS) to the real impostor scores.

    A golden-section search over one number; every try is kept so the report can show
    that the plain fit (spread 1) was tried and how far it was off.
    """
    tried: dict[float, float] = {}

    def distance(spread: float) -> float:
        if spread not in tried:
            sample = model.with_spread(spread).sample(count, seed)
            tried[spread] = ks_statistic(real, stranger_scores(probes, sample))
        return tried[spread]

    distance(1.0)
    low, high = 0.5, 1.5
    ratio = (5**0.5 - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    for _ in range(14):
        if distance(a) < distance(b):
            high, b = b, a
            a = high - ratio * (high - low)
        else:
            low, a = a, b
            b = low + ratio * (high - low)
    best = min(tried, key=lambda s: tried[s])
    trials = [{"spread": s, "ks": d} for s, d in sorted(tried.items())]
    return model.with_spread(best), trials


def local_dimension(vectors: Matrix, k: int = 20) -> float:
    """Local intrinsic dimension (Levina-Bickel maximum likelihood, k neighbours), averaged.

    How many directions a point's neighbourhood really spreads in: the figure that decides
    how hard nearest-neighbour search is, so real and synthetic strangers are compared on it.
    Takes a few thousand vectors (it holds all their pairwise similarities).
    """
    similarity = vectors.astype(np.float64) @ vectors.T.astype(np.float64)
    np.fill_diagonal(similarity, -np.inf)
    nearest = -np.sort(-similarity, axis=1)[:, :k]
    distance = np.sqrt(np.maximum(2 - 2 * nearest, 1e-12))
    inverse = np.mean(np.log(distance[:, -1:] / distance[:, :-1]), axis=1)
    return float(1 / np.mean(inverse))


def compare(real: NDArray[np.float32], synthetic: NDArray[np.float32]) -> dict[str, Any]:
    return {
        "real_impostor": summarise(real),
        "synthetic_stranger": summarise(synthetic),
        "ks": ks_statistic(real, synthetic),
    }
