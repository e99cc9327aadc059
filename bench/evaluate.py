"""Scoring one system on the set: 1:1 verification per dataset and the 1:N protocol.

A system is a template (or none) per photo plus how it compares two templates. Keeping
that the only difference between FaceDocket and the baseline means both are measured by
exactly the same code, on exactly the same pairs and probes.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from common import DATASETS, ImageRow, Pair
from metrics import cross_validate, equal_folds, rank_hits, tar_at_far

Vector = NDArray[np.float64] | NDArray[np.float32]
FAR = 0.001
# Statuses of photos enrolment calls ambiguous, where the benchmark took a face anyway.
FALLBACK_STATUSES = ("largest", "central")
LFW_FOLD_ROWS = 600


@dataclass
class System:
    """Templates by photo path and a similarity; ``distance`` systems show thresholds negated."""

    name: str
    templates: dict[str, Vector | None]
    default_threshold: float  # in the system's own units (cosine, or Euclidean distance)
    distance: bool = False
    # Why a photo has no template, or how its face was chosen (for the failure analysis).
    status: dict[str, str] = field(default_factory=dict)
    # Templates of the same photos embedded as probes are (1:1 comparison and 1:N search
    # probes); the gallery templates where the system embeds both alike.
    probe_templates: dict[str, Vector | None] | None = None

    @property
    def probes(self) -> dict[str, Vector | None]:
        return self.templates if self.probe_templates is None else self.probe_templates

    def similarity(self, a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
        product: NDArray[np.float64] = a @ b.T
        if not self.distance:
            return product
        squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * product
        distances: NDArray[np.float64] = np.sqrt(np.maximum(squared, 0.0))
        return -distances

    def native(self, score: float) -> float:
        """A similarity back in the system's own units (a distance is positive)."""
        return -score if self.distance else score

    def pair_scores(self, pairs: list[Pair]) -> NDArray[np.float64]:
        scores = np.full(len(pairs), -math.inf)
        for i, pair in enumerate(pairs):
            a, b = self.probes.get(pair.a), self.probes.get(pair.b)
            if a is not None and b is not None:
                av = np.asarray(a, np.float64)[None, :]
                bv = np.asarray(b, np.float64)[None, :]
                scores[i] = float(self.similarity(av, bv)[0, 0])
        return scores


def folds_for(dataset: str, count: int) -> NDArray[np.int64]:
    """LFW: the protocol's own folds (600 consecutive rows); others: 10 blocks in file order."""
    if dataset == "lfw" and count % LFW_FOLD_ROWS == 0:
        return (np.arange(count) // LFW_FOLD_ROWS).astype(np.int64)
    return equal_folds(count)


def verification(system: System, pairs: list[Pair]) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for dataset in DATASETS:
        mine = [p for p in pairs if p.dataset == dataset]
        if not mine:
            continue
        scores = system.pair_scores(mine)
        same = np.array([p.same for p in mine])
        folds = folds_for(dataset, len(mine))
        cv = cross_validate(scores, same, folds)
        default = system.native(system.default_threshold)  # back to similarity units
        tar, tar_threshold, accepted = tar_at_far(scores, same, FAR)
        predicted = np.zeros(len(mine), dtype=bool)
        for fold, threshold in zip(np.unique(folds), cv.thresholds, strict=True):
            predicted[folds == fold] = scores[folds == fold] >= threshold
        results[dataset] = {
            "pairs": len(mine),
            "genuine": int(same.sum()),
            "impostor": int((~same).sum()),
            "folds": len(np.unique(folds)),
            "undetected_pairs": int(np.sum(~np.isfinite(scores))),
            "cv_accuracy": cv.as_dict() | {"thresholds": [system.native(t) for t in cv.thresholds]},
            "default_threshold": system.default_threshold,
            "accuracy_at_default": float(np.mean((scores >= default) == same)),
            "tar_at_far": {
                "far": FAR,
                "tar": tar,
                "threshold": system.native(tar_threshold),
                "impostors_accepted": accepted,
            },
            "errors_at_cv_threshold": error_causes(system, mine, predicted != same),
        }
    return results


def error_causes(system: System, pairs: list[Pair], wrong: NDArray[np.bool_]) -> dict[str, int]:
    """Wrong pairs by the likeliest cause: a face not found, a guessed face, or the model."""
    causes: Counter[str] = Counter()
    for pair, bad in zip(pairs, wrong, strict=True):
        if not bad:
            continue
        kind = "genuine" if pair.same else "impostor"
        statuses = {system.status.get(pair.a, ""), system.status.get(pair.b, "")}
        if system.probes.get(pair.a) is None or system.probes.get(pair.b) is None:
            causes[f"{kind}: face not detected"] += 1
        elif statuses & set(FALLBACK_STATUSES):
            causes[f"{kind}: ambiguous photo (fallback face taken)"] += 1
        else:
            causes[f"{kind}: both faces found"] += 1
    return dict(sorted(causes.items()))


@dataclass(frozen=True)
class Protocol:
    """Gallery: each identity's first photo (sorted name); probes: all its other photos."""

    gallery: list[ImageRow]
    probes: list[ImageRow]
    identities: int


def identification_protocol(images: list[ImageRow]) -> Protocol:
    by_identity: dict[str, list[ImageRow]] = {}
    for row in sorted(images, key=lambda r: r.path):
        by_identity.setdefault(row.identity, []).append(row)
    gallery = [rows[0] for rows in by_identity.values()]
    probes = [row for rows in by_identity.values() for row in rows[1:]]
    return Protocol(gallery, probes, len(by_identity))


def identification(system: System, protocol: Protocol) -> dict[str, Any]:
    enrolled = [r for r in protocol.gallery if system.templates.get(r.path) is not None]
    searched = [r for r in protocol.probes if system.probes.get(r.path) is not None]
    enrolled_ids = {r.identity for r in enrolled}

    def stack(rows: list[ImageRow], templates: dict[str, Vector | None]) -> NDArray[np.float64]:
        return np.array([np.asarray(templates[r.path], np.float64) for r in rows])

    similarities = system.similarity(
        stack(searched, system.probes), stack(enrolled, system.templates)
    )
    labels = [r.identity for r in searched]
    hits = rank_hits(similarities.astype(np.float32), [r.identity for r in enrolled], labels)
    top1 = np.array([enrolled[i].identity for i in np.argmax(similarities, axis=1)])
    correct = top1 == np.array(labels)
    misses: Counter[str] = Counter()
    misses["probe face not detected"] = len(protocol.probes) - len(searched)
    for row, ok in zip(searched, correct, strict=True):
        if ok:
            continue
        if row.identity not in enrolled_ids:
            misses["mate not enrolled (gallery photo: no face)"] += 1
        elif system.status.get(row.path) in FALLBACK_STATUSES:
            misses["ambiguous probe (fallback face taken)"] += 1
        else:
            misses["ranked below a stranger"] += 1
    per_dataset = {}
    for dataset in DATASETS:
        total = sum(1 for r in protocol.probes if r.dataset == dataset)
        right = sum(
            1 for r, ok in zip(searched, correct, strict=True) if ok and r.dataset == dataset
        )
        per_dataset[dataset] = {"probes": total, "rank1": right / total if total else math.nan}
    total = len(protocol.probes)
    return {
        "identities": protocol.identities,
        "gallery_photos": len(protocol.gallery),
        "gallery_enrolled": len(enrolled),
        "probes": total,
        "probes_detected": len(searched),
        "probes_with_mate_enrolled": sum(1 for r in protocol.probes if r.identity in enrolled_ids),
        "rank1": hits[1] / total,
        "rank10": hits[10] / total,
        "rank1_misses": dict(misses),
        "per_dataset": per_dataset,
    }


def not_detected(system: System, images: list[ImageRow]) -> dict[str, int]:
    return {
        dataset: sum(
            1 for r in images if r.dataset == dataset and system.templates.get(r.path) is None
        )
        for dataset in DATASETS
    }
