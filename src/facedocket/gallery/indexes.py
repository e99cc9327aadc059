"""Where each gallery's index lives, and keeping it equal to the database.

There is one index per gallery and model, since templates of two models must never be
compared. The database is the truth: opening an index adds the templates it lacks and
drops those the database no longer has, so a crash between a commit and an index save
costs a catch-up, never a wrong answer.

FAISS indexes are files under ``data_dir/indexes``. A Milvus index is a collection in the
configured deployment, which persists itself; its file under ``data_dir/indexes`` only
says where the collection is.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from facedocket.gallery.index import FaissIndex, VectorIndex
from facedocket.gallery.index.faiss_index import Kind
from facedocket.gallery.index.files import IndexFileError
from facedocket.gallery.index.sq8_index import Sq8ExactIndex
from facedocket.settings import Settings
from facedocket.store.schema import FaceModelRecord, Gallery, Template

if TYPE_CHECKING:
    # Imported when used: pymilvus and gRPC take a second to load, which a FAISS
    # deployment's every command would otherwise pay.
    from facedocket.gallery.index.milvus_index import MilvusIndex

FETCH_CHUNK = 10_000
# Templates whose stored vectors are compared with the database's each time a file is read.
SPOT_CHECKS = 16
logger = logging.getLogger(__name__)


def index_path(settings: Settings, gallery_id: int, model_id: int) -> Path:
    return (
        settings.index_dir / f"gallery-{gallery_id}-model-{model_id}-{settings.index_backend}.idx"
    )


def is_milvus(settings: Settings) -> bool:
    return settings.index_backend.startswith("milvus")


# An index held in this process, in a file under data_dir/indexes.
LocalIndex = FaissIndex | Sq8ExactIndex


def new_index(settings: Settings, dimension: int) -> LocalIndex:
    if settings.index_backend == "faiss-sq8-exact":
        return Sq8ExactIndex(dimension, shortlist=settings.sq8_shortlist)
    kind: Kind = "hnsw" if settings.index_backend == "faiss-hnsw" else "flat"
    return FaissIndex(
        dimension,
        kind,
        hnsw_m=settings.hnsw_m,
        ef_construction=settings.hnsw_ef_construction,
        ef_search=settings.hnsw_ef_search,
    )


def collection_name(settings: Settings, gallery: Gallery, model: FaceModelRecord) -> str:
    """The Milvus collection of a gallery and model.

    The tag ties the collection to this database's gallery row and model file: a database
    restored elsewhere, or rebuilt from scratch with the same ids, gets a new collection
    rather than inheriting vectors filed under ids that now mean other templates.
    """
    origin = f"{gallery.name}|{gallery.created_at.isoformat()}|{model.file_sha256}"
    tag = hashlib.sha256(origin.encode()).hexdigest()[:12]
    return f"{settings.milvus_collection_prefix}_g{gallery.id}_m{model.id}_{tag}"


def milvus_index(settings: Settings, collection: str, dimension: int) -> MilvusIndex:
    from facedocket.gallery.index.milvus_index import MilvusIndex  # noqa: PLC0415

    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    return MilvusIndex(
        settings.milvus_target,
        collection,
        dimension,
        index_type="HNSW" if settings.index_backend == "milvus-hnsw" else "FLAT",
        hnsw_m=settings.hnsw_m,
        ef_construction=settings.hnsw_ef_construction,
        ef_search=settings.hnsw_ef_search,
        token=token,
        shards=settings.milvus_shards,
        replicas=settings.milvus_replicas,
    )


def open_index(session: Session, settings: Settings, gallery_id: int, model_id: int) -> VectorIndex:
    """The gallery's index for one model, loaded from disk and brought up to date."""
    model = session.get_one(FaceModelRecord, model_id)
    path = index_path(settings, gallery_id, model_id)
    if is_milvus(settings):
        gallery = session.get_one(Gallery, gallery_id)
        collection = milvus_index(
            settings, collection_name(settings, gallery, model), model.dimension
        )
        changed = not looks_in_step(session, collection, gallery_id, model_id) and sync_index(
            session, collection, gallery_id, model_id
        )
        if changed or not path.is_file():
            collection.save(path)
        return collection
    return open_faiss_index(session, settings, gallery_id, model_id)


def open_faiss_index(
    session: Session, settings: Settings, gallery_id: int, model_id: int, *, mmap: bool = False
) -> LocalIndex:
    """The gallery's FAISS index for one model, from its file, brought up to date.

    ``mmap``: for searching only; the file is mapped rather than read, and, when it lags
    the store, read, brought up to date, saved and mapped again.
    """
    model = session.get_one(FaceModelRecord, model_id)
    path = index_path(settings, gallery_id, model_id)
    if mmap:
        mapped = trusted_file(session, settings, gallery_id, model_id, mmap=True)
        if mapped is not None and looks_in_step(session, mapped, gallery_id, model_id):
            return mapped
    index = trusted_file(session, settings, gallery_id, model_id) or new_index(
        settings, model.dimension
    )
    tune(index, settings)
    if sync_index(session, index, gallery_id, model_id) or not path.is_file():
        index.save(path)
        if mmap:
            return tune(load_file(settings, path, mmap=True), settings)
    return index


def load_file(settings: Settings, path: Path, *, mmap: bool = False) -> LocalIndex:
    if settings.index_backend == "faiss-sq8-exact":
        return Sq8ExactIndex.load(path, mmap=mmap)
    return FaissIndex.load(path, mmap=mmap)


def tune(index: LocalIndex, settings: Settings) -> LocalIndex:
    """Apply the search-time settings, which may differ from those the file was made with."""
    if isinstance(index, Sq8ExactIndex):
        index.shortlist = settings.sq8_shortlist
    else:
        index.ef_search = settings.hnsw_ef_search
    return index


def trusted_file(
    session: Session, settings: Settings, gallery_id: int, model_id: int, *, mmap: bool = False
) -> LocalIndex | None:
    """The index file of a gallery and model, or None (said in the log) if there is none
    or it cannot be trusted, in which case the caller builds the index from the store.

    Besides what ``FaissIndex.load`` checks, a sample of the stored vectors must equal the
    database's: a file left by another database under the same data folder, or altered,
    would otherwise answer with vectors filed under ids that mean other templates.
    """
    model = session.get_one(FaceModelRecord, model_id)
    path = index_path(settings, gallery_id, model_id)
    if not path.exists():
        return None
    try:
        index = load_file(settings, path, mmap=mmap)
        if index.dimension != model.dimension:
            raise IndexFileError(
                f"{path} holds vectors of dimension {index.dimension}, not {model.dimension}"
            )
        check_against_store(session, index, path, gallery_id, model_id)
    except IndexFileError as error:
        logger.warning("%s; rebuilding the index from the database", error)
        return None
    return tune(index, settings)


def check_against_store(
    session: Session, index: LocalIndex, path: Path, gallery_id: int, model_id: int
) -> None:
    """Raise ``IndexFileError`` unless sampled templates' vectors equal the database's."""
    ids = index.ids()
    if not len(ids):
        return
    sample = np.random.default_rng().choice(ids, min(SPOT_CHECKS, len(ids)), replace=False)
    rows = session.execute(
        select(Template.id, Template.vector).where(
            Template.id.in_(sample.tolist()),
            Template.gallery_id == gallery_id,
            Template.model_id == model_id,
        )
    ).all()
    if not rows:
        return
    stored = index.vectors(np.array([row.id for row in rows], dtype=np.int64))
    expected = np.vstack([np.frombuffer(row.vector, dtype=np.float32) for row in rows])
    if not np.array_equal(stored, expected):
        raise IndexFileError(f"{path} holds vectors that differ from the database's templates")


def save_index(settings: Settings, index: VectorIndex, gallery_id: int, model_id: int) -> None:
    """Persist an index that was opened with ``open_index`` and changed since."""
    index.save(index_path(settings, gallery_id, model_id))


def count_and_newest(gallery_id: int, model_id: int) -> Select[int, int]:
    """How many templates the gallery holds of this model, and the newest one's id.

    The index on templates (gallery_id, model_id, id) answers this without reading rows.
    """
    return select(func.count(Template.id), func.max(Template.id)).where(
        Template.gallery_id == gallery_id, Template.model_id == model_id
    )


def looks_in_step(
    session: Session, index: LocalIndex | MilvusIndex, gallery_id: int, model_id: int
) -> bool:
    """A cheap check that an index holds exactly the gallery's templates.

    Listing every id of a state gallery takes minutes, too long before each search. Template
    ids are never reused (they only grow), so a collection that holds as many rows as the
    database and holds its newest template lacks nothing and holds nothing stale: any
    template added since the last sync would be newer, and any removed would leave the
    collection one row too many. Anything else falls back to the full ``sync_index``.
    """
    count, newest = session.execute(count_and_newest(gallery_id, model_id)).one()
    if len(index) != count:
        return False
    return newest is None or index.contains(int(newest))


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
