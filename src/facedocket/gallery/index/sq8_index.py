"""Exact search in a quarter of the memory: an 8-bit scan for a shortlist, float32 re-scoring,
and a bound that proves nothing outside the shortlist could have made the top k.

FAISS's ``IndexScalarQuantizer`` (QT_8bit) stores each component of a vector in one byte
of its dimension's range, 128 bytes a template; its scan of 20M is a quarter of the flat
scan's memory traffic. The shortlist's float32 vectors are read from a memory-mapped
file (``vector_file.py``) and scored exactly, and the top k of those scores is returned.

Why the answer equals the float32 exact scan's, not just usually: a component decoded
from its byte is at most half a step (its range / 255) from the original, so for every
template encoded inside the trained ranges ``|q . x - q . decoded(x)| <= |q| * bound``,
with ``bound`` the norm of the half steps. A template outside the shortlist has an 8-bit
score no higher than the shortlist's last, so its exact score is at most that plus
``|q| * bound``. When the k-th exact score of the shortlist is above that, no template
outside could have entered the top k; when it is not, the shortlist is widened (four
times, and so on, to every template) until it is. Templates a component of which fell
outside the trained range (the error bound does not hold for them) are few; they are
re-scored in every search. Ties are broken as FAISS's flat index breaks them, by the
order templates were added, so the same templates make the list.

Until ``train_at`` templates are held the ranges are not trained and every search scores
every template exactly.
"""

from __future__ import annotations

import fcntl
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from facedocket.gallery.index.base import Ids, SearchHits, SortedIds, Vectors, checked
from facedocket.gallery.index.files import (
    IndexFileError,
    faiss,
    part,
    read_faiss,
    read_manifest,
    write_files,
)
from facedocket.gallery.index.vector_file import CHUNK_ROWS, VectorFile
from facedocket.private_files import open_private

# Float32 rounding of the 8-bit and the exact inner products, far below one step.
SLACK = 1e-4
# Widen each trained range by this share on each side, so later templates rarely fall out.
MARGIN = 0.1
GARBAGE_SHARE = 0.2
# Each widening re-scores this many times as deep a shortlist.
DEPTH = 4


class Sq8ExactIndex(SortedIds):
    kind = "sq8-exact"

    def __init__(self, dimension: int, *, shortlist: int = 500, train_at: int = 10_000) -> None:
        self.dimension = dimension
        self.shortlist = shortlist
        self.train_at = train_at
        self.read_only = False
        self._sq: Any = None  # the 8-bit index, once trained
        self._bound = 0.0
        self._vectors = VectorFile(dimension)
        # Per position of the 8-bit index (the order of adding, as in a flat index):
        self._ids: Ids = np.empty(0, dtype=np.int64)  # template id
        self._rows: NDArray[np.int64] = np.empty(0, dtype=np.int64)  # row of the vector file
        self._outside: NDArray[np.bool_] = np.empty(0, dtype=bool)  # outside the ranges
        self._live: Ids = np.empty(0, dtype=np.int64)  # sorted ids, for membership
        self._outside_cache: tuple[NDArray[np.bool_], NDArray[np.int64]] | None = None
        # How many searches needed a wider shortlist (for the benchmark).
        self.widened = 0

    # --- changes ----------------------------------------------------------------------------

    def add(self, ids: Ids, vectors: Vectors) -> None:
        self._writable()
        ids, vectors = checked(ids, vectors, self.dimension)
        if self._contains(ids).any():
            raise ValueError("an id is already in the index; remove it first")
        rows = self._vectors.append(vectors)
        self._ids = np.concatenate([self._ids, ids])
        self._rows = np.concatenate([self._rows, rows])
        self._live = np.union1d(self._live, ids)
        if self._sq is not None:
            self._encode(vectors)
        elif len(self) >= self.train_at:
            self._train()

    def _train(self) -> None:
        """Set each dimension's range from the templates held, widened, and encode them all."""
        low = np.full(self.dimension, np.inf, dtype=np.float32)
        high = np.full(self.dimension, -np.inf, dtype=np.float32)
        for start in range(0, len(self), CHUNK_ROWS):
            chunk = self._vectors.take(self._rows[start : start + CHUNK_ROWS])
            low, high = np.minimum(low, chunk.min(axis=0)), np.maximum(high, chunk.max(axis=0))
        spread = np.maximum(high - low, 1e-6)
        low, spread = low - MARGIN * spread, spread * (1 + 2 * MARGIN)
        sq = faiss().IndexScalarQuantizer(
            self.dimension, faiss().ScalarQuantizer.QT_8bit, faiss().METRIC_INNER_PRODUCT
        )
        faiss().copy_array_to_vector(np.concatenate([low, spread]), sq.sq.trained)
        sq.is_trained = True
        self._set_sq(sq)
        self._outside = np.empty(0, dtype=bool)
        for start in range(0, len(self), CHUNK_ROWS):
            self._encode(self._vectors.take(self._rows[start : start + CHUNK_ROWS]))

    def _set_sq(self, sq: Any) -> None:
        self._sq = sq
        spread = faiss().vector_to_array(sq.sq.trained)[self.dimension :].astype(np.float64)
        self._bound = float(np.linalg.norm(spread / 510)) * (1 + 1e-4) + 1e-6

    def _encode(self, vectors: Vectors) -> None:
        codes = self._sq.sa_encode(vectors)
        error = np.linalg.norm(self._sq.sa_decode(codes) - vectors, axis=1)
        self._sq.add(vectors)
        self._outside = np.concatenate([self._outside, error > self._bound])

    def remove(self, ids: Ids) -> int:
        self._writable()
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        present = np.unique(ids[self._contains(ids)])
        if not len(present):
            return 0
        gone = np.isin(self._ids, present)
        if self._sq is not None:
            self._sq.remove_ids(faiss().IDSelectorBatch(np.flatnonzero(gone).astype(np.int64)))
            self._outside = self._outside[~gone]
        self._ids, self._rows = self._ids[~gone], self._rows[~gone]
        self._live = np.setdiff1d(self._live, present, assume_unique=True)
        return len(present)

    def vectors(self, ids: Ids) -> Vectors:
        """The stored vectors of ``ids`` (all present), to check a file against the store."""
        order = np.argsort(self._ids)
        positions = order[np.searchsorted(self._ids, ids, sorter=order)]
        return self._vectors.take(self._rows[positions])

    # --- search -----------------------------------------------------------------------------

    def search(self, queries: Vectors, k: int) -> SearchHits:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if queries.shape[1] != self.dimension:
            raise ValueError(f"queries must have dimension {self.dimension}")
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        wanted = max(self.shortlist, k)
        if self._sq is not None and wanted < len(self):
            # One scan for every probe: FAISS spreads queries over its threads.
            scanned = self._sq.search(queries, min(DEPTH * wanted, len(self)))
        for row, query in enumerate(queries):
            if self._sq is None or wanted >= len(self):
                positions, exact = self._best(query, np.arange(len(self), dtype=np.int64), k)
            else:
                first = scanned[0][row], scanned[1][row]
                positions, exact = self._exact_top(query, k, wanted, first)
            scores[row, : len(positions)] = exact
            ids[row, : len(positions)] = self._ids[positions]
        return SearchHits(scores=scores, ids=ids)

    def _exact_top(
        self,
        query: Vectors,
        k: int,
        wanted: int,
        scan: tuple[NDArray[np.float32], NDArray[np.int64]],
    ) -> tuple[NDArray[np.int64], Vectors]:
        """Positions and exact scores of the top k, best first.

        A scan returns ``DEPTH`` shortlists' worth, so a probe whose first shortlist
        proves too short is re-scored deeper before it is scanned again, deeper still."""
        count = len(self)
        margin = float(np.linalg.norm(query)) * self._bound + SLACK
        outside = self._outside_positions()
        while wanted < count:
            approx, found = scan
            scanned = found[found >= 0]
            cut = wanted
            while cut <= len(scanned):
                positions, exact = self._best(query, np.union1d(scanned[:cut], outside), k)
                if len(exact) == k and float(exact[-1]) > float(approx[cut - 1]) + margin:
                    return positions, exact
                self.widened += 1
                cut *= DEPTH
            wanted *= DEPTH * DEPTH
            if wanted < count:
                again = self._sq.search(query[None, :], min(DEPTH * wanted, count))
                scan = again[0][0], again[1][0]
        return self._best(query, np.arange(count, dtype=np.int64), k)

    def _outside_positions(self) -> NDArray[np.int64]:
        if self._outside_cache is None or self._outside_cache[0] is not self._outside:
            self._outside_cache = (self._outside, np.flatnonzero(self._outside))
        return self._outside_cache[1]

    def _best(
        self, query: Vectors, candidates: NDArray[np.int64], k: int
    ) -> tuple[NDArray[np.int64], Vectors]:
        """The top k of ``candidates`` by exact score, chosen and ordered as FAISS's flat
        index does: of equal scores, the earliest added are kept, listed latest first."""
        scores = np.empty(len(candidates), dtype=np.float32)
        for start in range(0, len(candidates), CHUNK_ROWS):
            chunk = candidates[start : start + CHUNK_ROWS]
            scores[start : start + len(chunk)] = self._vectors.take(self._rows[chunk]) @ query
        chosen = np.lexsort((candidates, -scores))[:k]
        listed = chosen[np.lexsort((-candidates[chosen], -scores[chosen]))]
        return candidates[listed], scores[listed]

    # --- files ------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """The 8-bit codes and bookkeeping as new files; the float32 vectors appended to the
        file already mapped if this process was the last to save, else in a new file."""
        lock = path.with_name(path.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_private(lock, "ab") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            kept = self._save_vectors(path)
            parts: dict[str, Callable[[Path], None]] = {"positions.npz": self._write_positions}
            if self._sq is not None:
                parts["sq.faiss"] = lambda file: faiss().write_index(self._sq, str(file))
            meta = {
                "backend": self.kind,
                "dimension": self.dimension,
                "count": len(self),
                "vector_rows": self._vectors.saved_rows,
                "shortlist": self.shortlist,
                "train_at": self.train_at,
            }
            write_files(path, parts, meta, kept=kept)

    def _save_vectors(self, path: Path) -> dict[str, Path]:
        try:
            current = read_manifest(path)
        except IndexFileError:
            current = {}
        named = current.get("files", {}).get("vectors.f32", {}).get("file")
        mine = self._vectors.file
        garbage = 1 - len(self) / max(len(self._vectors), 1)
        if (
            mine is not None
            and named == mine.name
            and current.get("vector_rows") == self._vectors.saved_rows
            and garbage < GARBAGE_SHARE
        ):
            self._vectors.append_to_file()
        else:
            file = path.with_name(f"{path.name}.{np.random.default_rng().bytes(6).hex()}.f32")
            self._vectors.write_rows(file, self._rows)
            self._vectors.map(file, len(self))
            self._rows = np.arange(len(self), dtype=np.int64)
        assert self._vectors.file is not None
        return {"vectors.f32": self._vectors.file}

    def _write_positions(self, file: Path) -> None:
        with open(file, "wb") as handle:
            np.savez(handle, ids=self._ids, rows=self._rows, outside=self._outside)

    @classmethod
    def load(cls, path: Path, *, mmap: bool = False) -> Sq8ExactIndex:
        """The index saved at ``path``; ``IndexFileError`` if it cannot be trusted."""
        manifest = read_manifest(path)
        if manifest.get("backend") != cls.kind:
            raise IndexFileError(f"{path} holds no {cls.kind} index")
        loaded = cls(
            manifest["dimension"], shortlist=manifest["shortlist"], train_at=manifest["train_at"]
        )
        positions = part(path, manifest, "positions.npz")
        try:
            with np.load(positions, allow_pickle=False) as data:
                loaded._ids, loaded._rows = data["ids"], data["rows"]
                loaded._outside = data["outside"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            raise IndexFileError(f"numpy cannot read {positions}") from None
        rows = int(manifest["vector_rows"])
        if len(loaded._ids) != manifest["count"] or (
            len(loaded._rows) and loaded._rows.max() >= rows
        ):
            raise IndexFileError(f"{path}: the positions do not match the manifest")
        loaded._vectors.map(part(path, manifest, "vectors.f32"), rows)
        if "sq.faiss" in manifest["files"]:
            sq = read_faiss(part(path, manifest, "sq.faiss"), mmap)
            if (
                sq.ntotal != len(loaded._ids)
                or sq.d != loaded.dimension
                or len(loaded._outside) != sq.ntotal
            ):
                raise IndexFileError(f"{path}: the 8-bit codes do not match the manifest")
            loaded._set_sq(sq)
        loaded._live = np.sort(loaded._ids)
        loaded.read_only = mmap
        return loaded
