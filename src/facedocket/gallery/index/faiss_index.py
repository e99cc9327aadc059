"""FAISS indexes: exact (flat inner product) and approximate (HNSW).

HNSW cannot delete in place, so removed ids become tombstones that every search filters
out with an id selector; when they pile up (or a removed id comes back) the graph is
rebuilt from the vectors it stores. The index is saved in FAISS's own format, its
tombstones beside it, both named by one manifest (``files.py``); an index loaded
memory-mapped is for searching only, and refuses changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from facedocket.gallery.index.base import Ids, SearchHits, SortedIds, Vectors, checked
from facedocket.gallery.index.files import (
    IndexFileError,
    faiss,
    part,
    read_faiss,
    read_manifest,
    write_files,
)

Kind = Literal["flat", "hnsw"]
# Rebuild the HNSW graph once this share of its entries are tombstones.
COMPACT_RATIO = 0.1


class FaissIndex(SortedIds):
    def __init__(
        self,
        dimension: int,
        kind: Kind = "flat",
        *,
        hnsw_m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 256,
    ) -> None:
        self.dimension = dimension
        self.kind: Kind = kind
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self._index = faiss().IndexIDMap2(self._new_inner())
        self._tombstones: Ids = np.empty(0, dtype=np.int64)
        # Sorted live ids, kept beside FAISS so membership checks cost a binary search.
        self._live: Ids = np.empty(0, dtype=np.int64)
        self.read_only = False  # set when the vectors are memory-mapped from a file

    def _new_inner(self) -> Any:
        if self.kind == "flat":
            return faiss().IndexFlatIP(self.dimension)
        inner = faiss().IndexHNSWFlat(self.dimension, self.hnsw_m, faiss().METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = self.ef_construction
        return inner

    def add(self, ids: Ids, vectors: Vectors) -> None:
        self._writable()
        ids, vectors = checked(ids, vectors, self.dimension)
        if self._contains(ids).any():
            raise ValueError("an id is already in the index; remove it first")
        if np.isin(ids, self._tombstones).any():
            self._compact()
        self._index.add_with_ids(vectors, ids)
        ordered = np.sort(ids)
        if len(self._live) == 0 or ordered[0] > self._live[-1]:
            self._live = np.concatenate([self._live, ordered])
        else:
            self._live = np.union1d(self._live, ordered)

    def remove(self, ids: Ids) -> int:
        self._writable()
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        present = np.unique(ids[self._contains(ids)])
        self._live = np.setdiff1d(self._live, present, assume_unique=True)
        if self.kind == "flat":
            return int(self._index.remove_ids(faiss().IDSelectorBatch(present)))
        self._tombstones = np.union1d(self._tombstones, present)
        if len(self._tombstones) > COMPACT_RATIO * max(self._index.ntotal, 1):
            self._compact()
        return len(present)

    def _compact(self) -> None:
        """Rebuild without the tombstoned entries, from the vectors the index holds."""
        live = self.ids()
        vectors = np.vstack([self._index.reconstruct(int(i)) for i in live]) if len(live) else None
        self._index = faiss().IndexIDMap2(self._new_inner())
        self._tombstones = np.empty(0, dtype=np.int64)
        self._live = np.empty(0, dtype=np.int64)
        if vectors is not None:
            self._index.add_with_ids(vectors.astype(np.float32), live)
            self._live = live

    def search(self, queries: Vectors, k: int) -> SearchHits:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if queries.shape[1] != self.dimension:
            raise ValueError(f"queries must have dimension {self.dimension}")
        selector = (
            faiss().IDSelectorNot(faiss().IDSelectorBatch(self._tombstones))
            if len(self._tombstones)
            else None
        )
        if self.kind == "hnsw":
            params = faiss().SearchParametersHNSW()
            params.efSearch = max(self.ef_search, k)
        else:
            params = faiss().SearchParameters()
        if selector is not None:
            params.sel = selector
        scores, ids = self._index.search(queries, k, params=params)
        scores = np.where(ids < 0, -np.inf, scores).astype(np.float32)
        return SearchHits(scores=scores, ids=ids.astype(np.int64))

    def vectors(self, ids: Ids) -> Vectors:
        """The stored vectors of ``ids`` (all present), to check a file against the store."""
        rows = [self._index.reconstruct(int(i)) for i in ids]
        return np.vstack(rows) if rows else np.empty((0, self.dimension), dtype=np.float32)

    def save(self, path: Path) -> None:
        tombstones = self._tombstones
        parts = {"faiss": lambda file: faiss().write_index(self._index, str(file))}
        if len(tombstones):
            parts["tombstones.npy"] = lambda file: np.save(file, tombstones)
        meta = {
            "backend": "faiss",
            "kind": self.kind,
            "dimension": self.dimension,
            "ntotal": int(self._index.ntotal),
            "hnsw": [self.hnsw_m, self.ef_construction, self.ef_search],
        }
        write_files(path, parts, meta)

    @classmethod
    def load(cls, path: Path, *, mmap: bool = False) -> FaissIndex:
        """The index saved at ``path``; ``IndexFileError`` if it cannot be trusted."""
        manifest = read_manifest(path)
        if manifest.get("backend") != "faiss" or manifest.get("kind") not in ("flat", "hnsw"):
            raise IndexFileError(f"{path} holds no FAISS flat or HNSW index")
        inner = read_faiss(part(path, manifest, "faiss"), mmap)
        if inner.ntotal != manifest["ntotal"] or inner.d != manifest["dimension"]:
            raise IndexFileError(f"{path}: the FAISS file does not match its manifest")
        m, ef_construction, ef_search = (int(v) for v in manifest["hnsw"])
        kind: Kind = manifest["kind"]
        loaded = cls(inner.d, kind, hnsw_m=m, ef_construction=ef_construction, ef_search=ef_search)
        loaded._index = inner
        loaded.read_only = mmap
        if "tombstones.npy" in manifest["files"]:
            tombstones = np.load(part(path, manifest, "tombstones.npy"), allow_pickle=False)
            loaded._tombstones = tombstones.astype(np.int64)
        stored = faiss().vector_to_array(inner.id_map).astype(np.int64)
        loaded._live = np.sort(stored[~np.isin(stored, loaded._tombstones)])
        return loaded
