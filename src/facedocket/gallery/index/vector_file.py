"""Float32 template vectors in an append-only file, memory-mapped, for exact re-scoring.

The SQ8 backend keeps 128 bytes a template in memory and reads the float32 vectors (512
bytes) only of its shortlist, a few hundred rows a search: mapped from a file, they cost
page cache, not process memory, and twenty million of them fit on any disk. Rows added
since the last save live in memory until the next one appends them to the file.

The file only grows: rows of removed templates stay until a save finds a fifth of the
file is such garbage and writes a new, compacted file. A save appends only while the
index's manifest still names this file with the rows this process knows; if another
process saved since, this one writes a file of its own instead, so two writers never
interleave their rows. Rows past the manifest's count (left by a crash mid-append) are
cut off before appending.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from facedocket.gallery.index.base import Vectors
from facedocket.private_files import open_private

Rows = NDArray[np.int64]
CHUNK_ROWS = 262_144


class VectorFile:
    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.file: Path | None = None
        self._mapped: NDArray[np.float32] = np.empty((0, dimension), dtype=np.float32)
        self._extra: NDArray[np.float32] = np.empty((1024, dimension), dtype=np.float32)
        self._extra_rows = 0

    @property
    def saved_rows(self) -> int:
        return len(self._mapped)

    def __len__(self) -> int:
        return self.saved_rows + self._extra_rows

    def map(self, file: Path, rows: int) -> None:
        """Read the first ``rows`` rows of ``file`` from now on; rows in memory are dropped."""
        self.file = file
        shape = (rows, self.dimension)
        self._mapped = (
            np.memmap(file, dtype=np.float32, mode="r", shape=shape)
            if rows
            else np.empty(shape, dtype=np.float32)
        )
        self._extra_rows = 0

    def append(self, vectors: Vectors) -> Rows:
        """Keep ``vectors`` (in memory until saved); returns their row numbers."""
        needed = self._extra_rows + len(vectors)
        if needed > len(self._extra):
            grown = np.empty((max(needed, 2 * len(self._extra)), self.dimension), np.float32)
            grown[: self._extra_rows] = self._extra[: self._extra_rows]
            self._extra = grown
        self._extra[self._extra_rows : needed] = vectors
        first = len(self)
        self._extra_rows = needed
        return np.arange(first, first + len(vectors), dtype=np.int64)

    def take(self, rows: Rows) -> Vectors:
        """The vectors of ``rows``, in that order."""
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        saved = rows < self.saved_rows
        if saved.any():
            wanted = rows[saved]
            order = np.argsort(wanted, kind="stable")  # read the file front to back
            picked = np.empty((len(wanted), self.dimension), dtype=np.float32)
            picked[order] = self._mapped[wanted[order]]
            out[saved] = picked
        out[~saved] = self._extra[rows[~saved] - self.saved_rows]
        return out

    def append_to_file(self) -> int:
        """Append the rows in memory to the mapped file; returns the file's bytes after."""
        assert self.file is not None
        total = len(self)
        valid = self.saved_rows * self.dimension * 4
        with open(self.file, "r+b") as handle:
            handle.truncate(valid)  # a crash mid-append left rows no manifest names
            handle.seek(valid)
            handle.write(self._extra[: self._extra_rows].tobytes())
            handle.flush()
            os.fsync(handle.fileno())
        self.map(self.file, total)
        return self.file.stat().st_size

    def write_rows(self, file: Path, rows: Rows) -> None:
        """Write ``rows`` (in that order) into a new ``file``, chunk by chunk."""
        with open_private(file) as handle:
            for start in range(0, len(rows), CHUNK_ROWS):
                handle.write(self.take(rows[start : start + CHUNK_ROWS]).tobytes())
            handle.flush()
            os.fsync(handle.fileno())
