"""Verification and identification figures, computed the way the literature does.

Scores are similarities (higher means more alike); a distance is passed negated. A pair
with an undetected face carries the score -inf, so every threshold calls it "different":
the benchmark never drops a hard pair to look better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Scores = NDArray[np.float64]
Labels = NDArray[np.bool_]


def accuracy(scores: Scores, same: Labels, threshold: float) -> float:
    return float(np.mean((scores >= threshold) == same))


def best_threshold(scores: Scores, same: Labels) -> float:
    """The threshold with the highest accuracy on these pairs (midpoints between scores)."""
    finite = np.unique(scores[np.isfinite(scores)])
    if len(finite) == 0:
        return math.inf
    candidates = np.concatenate([[finite[0] - 1e-6], (finite[:-1] + finite[1:]) / 2])
    candidates = np.append(candidates, finite[-1] + 1e-6)
    accuracies = [accuracy(scores, same, float(t)) for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])


@dataclass(frozen=True)
class CrossValidated:
    mean: float
    std: float
    thresholds: list[float]
    fold_accuracies: list[float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "std": self.std,
            "thresholds": self.thresholds,
            "fold_accuracies": self.fold_accuracies,
        }


def cross_validate(scores: Scores, same: Labels, folds: NDArray[np.int64]) -> CrossValidated:
    """Accuracy on each fold with the threshold chosen on the other nine."""
    accuracies, thresholds = [], []
    for fold in np.unique(folds):
        test = folds == fold
        threshold = best_threshold(scores[~test], same[~test])
        thresholds.append(threshold)
        accuracies.append(accuracy(scores[test], same[test], threshold))
    return CrossValidated(
        float(np.mean(accuracies)), float(np.std(accuracies)), thresholds, accuracies
    )


def equal_folds(count: int, folds: int = 10) -> NDArray[np.int64]:
    """Fold numbers for ``count`` rows split into ``folds`` consecutive blocks, file order."""
    return np.minimum(np.arange(count) * folds // max(count, 1), folds - 1).astype(np.int64)


def tar_at_far(scores: Scores, same: Labels, far: float) -> tuple[float, float, int]:
    """(TAR, threshold, impostors accepted) with the threshold set from impostor scores.

    A pair is accepted when its score is strictly above the threshold, which is the
    impostor score ranked ``floor(far * impostors)`` from the top: at most that many
    impostors pass. With few impostors this is simply "above every impostor".
    """
    impostors = np.sort(scores[~same])[::-1]
    allowed = math.floor(far * len(impostors))
    threshold = float(impostors[allowed]) if allowed < len(impostors) else -math.inf
    accepted = int(np.sum(impostors > threshold))
    return float(np.mean(scores[same] > threshold)), threshold, accepted


def rank_hits(
    similarities: NDArray[np.float32],
    gallery_labels: list[str],
    probe_labels: list[str],
    ranks: tuple[int, ...] = (1, 10),
) -> dict[int, int]:
    """How many probes find their identity within each rank (exact, ties by order)."""
    labels = np.array(gallery_labels)
    deepest = max(ranks)
    top = np.argsort(-similarities, axis=1, kind="stable")[:, :deepest]
    found = labels[top] == np.array(probe_labels)[:, None]
    return {rank: int(found[:, :rank].any(axis=1).sum()) for rank in ranks}


def summarise(values: NDArray[np.float32] | Scores) -> dict[str, float]:
    """Mean, std and the upper percentiles that decide how many strangers outscore a mate."""
    data = np.asarray(values, dtype=np.float64)
    summary = {"n": float(len(data)), "mean": float(data.mean()), "std": float(data.std())}
    for q in (50, 90, 99, 99.9):
        summary[f"p{q:g}"] = float(np.percentile(data, q))
    summary["max"] = float(data.max())
    return summary


def ks_statistic(a: Scores | NDArray[np.float32], b: Scores | NDArray[np.float32]) -> float:
    """Two-sample Kolmogorov-Smirnov D: the largest gap between the empirical CDFs."""
    x, y = np.sort(np.asarray(a, np.float64)), np.sort(np.asarray(b, np.float64))
    grid = np.concatenate([x, y])
    cdf_x = np.searchsorted(x, grid, side="right") / len(x)
    cdf_y = np.searchsorted(y, grid, side="right") / len(y)
    return float(np.max(np.abs(cdf_x - cdf_y)))
