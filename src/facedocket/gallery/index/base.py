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


def checked(ids: Ids, vectors: Vectors, dimension: int) -> tuple[Ids, Vectors]:
    """One add's ids and vectors, contiguous; a malformed batch is refused whole."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape != (len(ids), dimension):
        raise ValueError(f"expected {len(ids)} vectors of dimension {dimension}")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("the same id appears twice in one add")
    return ids, vectors


class SortedIds:
    """The live ids of an index held in this process, sorted, so membership costs a binary
    search; and the guard of an index memory-mapped for searching."""

    _live: Ids
    read_only: bool

    def __len__(self) -> int:
        return len(self._live)

    def ids(self) -> Ids:
        return self._live.copy()

    def contains(self, template_id: int) -> bool:
        return bool(self._contains(np.array([template_id], dtype=np.int64))[0])

    def _contains(self, ids: Ids) -> NDArray[np.bool_]:
        positions = np.searchsorted(self._live, ids)
        inside = positions < len(self._live)
        found = np.zeros(len(ids), dtype=bool)
        found[inside] = self._live[positions[inside]] == ids[inside]
        return found

    def _writable(self) -> None:
        # FAISS aborts the process, rather than raising, when asked to grow a mapped index.
        if self.read_only:
            raise ValueError("this index is memory-mapped for searching; open it to change it")


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
