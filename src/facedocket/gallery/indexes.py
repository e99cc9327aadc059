"""Where each gallery's index lives, and keeping it equal to the database.

There is one index per gallery and model, since templates of two models must never be
compared. The database is the truth: opening an index adds the templates it lacks and
drops those the database no longer has, so a crash between a commit and an index save
costs a catch-up, never a wrong answer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.gallery.index import FaissIndex, VectorIndex
from facedocket.gallery.index.faiss_index import Kind
from facedocket.settings import Settings
from facedocket.store.schema import FaceModelRecord, Template

FETCH_CHUNK = 10_000


def index_path(settings: Settings, gallery_id: int, model_id: int) -> Path:
    return (
        settings.index_dir / f"gallery-{gallery_id}-model-{model_id}-{settings.index_backend}.idx"
    )


def new_index(settings: Settings, dimension: int) -> FaissIndex:
    kind: Kind = "hnsw" if settings.index_backend == "faiss-hnsw" else "flat"
    return FaissIndex(
        dimension,
        kind,
        hnsw_m=settings.hnsw_m,
        ef_construction=settings.hnsw_ef_construction,
        ef_search=settings.hnsw_ef_search,
    )


def open_index(session: Session, settings: Settings, gallery_id: int, model_id: int) -> VectorIndex:
    """The gallery's index for one model, loaded from disk and brought up to date."""
    model = session.get_one(FaceModelRecord, model_id)
    path = index_path(settings, gallery_id, model_id)
    index = FaissIndex.load(path) if path.is_file() else new_index(settings, model.dimension)
    if index.dimension != model.dimension:
        raise ValueError(
            f"{path} holds vectors of dimension {index.dimension}, not {model.dimension}"
        )
    index.ef_search = settings.hnsw_ef_search
    if sync_index(session, index, gallery_id, model_id) or not path.is_file():
        index.save(path)
    return index


def sync_index(session: Session, index: VectorIndex, gallery_id: int, model_id: int) -> bool:
    """Make ``index`` hold exactly the gallery's templates of this model; True if it changed."""
    stored = np.fromiter(
        session.scalars(
            select(Template.id).where(
                Template.gallery_id == gallery_id, Template.model_id == model_id
            )
        ),
        dtype=np.int64,
    )
    indexed = index.ids()
    extra = np.setdiff1d(indexed, stored)
    missing = np.setdiff1d(stored, indexed)
    if len(extra):
        index.remove(extra)
    for start in range(0, len(missing), FETCH_CHUNK):
        chunk = missing[start : start + FETCH_CHUNK].tolist()
        rows = session.execute(
            select(Template.id, Template.vector).where(Template.id.in_(chunk))
        ).all()
        ids = np.array([row.id for row in rows], dtype=np.int64)
        vectors = np.vstack([np.frombuffer(row.vector, dtype=np.float32) for row in rows])
        index.add(ids, vectors)
    return bool(len(extra) or len(missing))
