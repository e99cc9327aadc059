"""A million-template search workload: real probes, their mates, and synthetic strangers.

Numpy alone (no FaceDocket import), so a many-core machine without the project installed
can rebuild the same workload from an exported file of real templates (``hnsw_tune.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthetic import StrangerModel, calibrate, compare, impostor_scores, stranger_scores

Matrix = NDArray[np.float32]
Ids = NDArray[np.int64]


@dataclass(frozen=True)
class Workload:
    gallery: Matrix  # gallery id = row number
    probes: Matrix
    mates: list[set[int]]  # per probe, the gallery ids of the same person
    real: int  # real templates in the gallery; the rest are synthetic strangers
    strangers: dict[str, Any]  # how the strangers were drawn, and how they score


def workload(
    vectors: Matrix, identities: list[str], size: int, queries: int, seed: int
) -> Workload:
    """Real probes with mates in the gallery, and a gallery of ``size`` templates."""
    rng = np.random.default_rng(seed)
    by_identity: dict[str, list[int]] = defaultdict(list)
    for row, identity in enumerate(identities):
        by_identity[identity].append(row)
    mated = [rows for rows in by_identity.values() if len(rows) >= 2]
    chosen = rng.choice(len(mated), min(queries, len(mated)), replace=False)
    probe_rows = [mated[i][0] for i in chosen]
    gallery_rows = sorted(set(range(len(vectors))) - set(probe_rows))
    real = vectors[gallery_rows]
    if size < len(real):
        raise SystemExit(f"--sizes must be at least {len(real)}, the real templates")

    fitted = StrangerModel.fit(real, seed=seed)
    real_probes = vectors[probe_rows]
    gallery_identities = [identities[r] for r in gallery_rows]
    probe_identities = [identities[r] for r in probe_rows]
    impostors = impostor_scores(real_probes, probe_identities, real, gallery_identities)
    model, trials = calibrate(fitted, real_probes, impostors, 20_000, seed + 1)
    strangers = model.sample(size - len(real), seed + 2)
    check = compare(impostors, stranger_scores(real_probes, strangers[:20_000]))

    # Real and synthetic rows interleaved, so neither sits in one corner of a graph.
    order = rng.permutation(size)
    gallery = np.empty((size, vectors.shape[1]), dtype=np.float32)
    gallery[order[: len(real)]] = real
    gallery[order[len(real) :]] = strangers
    position = {row: int(order[i]) for i, row in enumerate(gallery_rows)}
    mates = [{position[r] for r in by_identity[identities[p]] if r in position} for p in probe_rows]
    return Workload(
        gallery,
        real_probes,
        mates,
        len(real),
        {"spread": model.spread, "calibration": trials, "scores": check},
    )


def exact_top(work: Workload, k: int) -> tuple[Ids, NDArray[np.float32]]:
    """Exact top-k ids per probe (best first), and the best score just outside them."""
    ids, outside = [], []
    for start in range(0, len(work.probes), 100):
        scores = work.probes[start : start + 100] @ work.gallery.T
        top = np.argpartition(-scores, k, axis=1)[:, : k + 1]
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        ids.append(np.take_along_axis(top, order, axis=1)[:, :k])
        outside.append(np.take_along_axis(top_scores, order, axis=1)[:, k])
    return np.concatenate(ids).astype(np.int64), np.concatenate(outside)
