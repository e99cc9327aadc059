"""The interface every vector index implements (FAISS in-process, Milvus as a service).

Ids are the database's template ids, so a hit leads straight back to the person and photo.
Vectors are L2-normalised, so inner product is cosine similarity and scores are comparable
across backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Ids = NDArray[np.int64]
Vectors = NDArray[np.float32]


@dataclass(frozen=True)
class SearchHits:
    """Top-k results for each query row; missing slots have id -1 and score -inf."""

    scores: NDArray[np.float32]
    ids: Ids


class VectorIndex(Protocol):
    dimension: int

    def __len__(self) -> int: ...

    def add(self, ids: Ids, vectors: Vectors) -> None:
        """Add vectors under ids; an id already present is an error, never a duplicate."""
        ...

    def remove(self, ids: Ids) -> int:
        """Remove ids if present; returns how many were removed."""
        ...

    def ids(self) -> Ids:
        """Every id in the index, sorted."""
        ...

    def search(self, queries: Vectors, k: int) -> SearchHits: ...

    def save(self, path: Path) -> None:
        """Persist atomically: a crash leaves the old file or the new one, never half."""
        ...
