"""Opening a gallery's index keeps it equal to the database, for FAISS files and Milvus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, text
from sqlalchemy.orm import Session, sessionmaker

from facedocket.gallery import indexes
from facedocket.gallery.index.milvus_index import MilvusIndex
from facedocket.gallery.indexes import collection_name, index_path, open_index
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import FaceModelRecord, Gallery, Person, Photo, Template

DIM = 16


def unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def add_templates(sessions: sessionmaker[Session], gallery: str, vectors: np.ndarray) -> list[int]:
    """Templates written straight to the database, as enrolment would; returns their ids."""
    with transaction(sessions) as session:
        found = session.query(Gallery).filter_by(name=gallery).one_or_none()
        if found is None:
            found = Gallery(name=gallery)
            session.add(found)
        model = session.query(FaceModelRecord).one_or_none()
        if model is None:
            model = FaceModelRecord(
                name="m", version="1", file_sha256="0" * 64, dimension=DIM, threshold=0.5
            )
            session.add(model)
        session.flush()
        start = session.query(Photo).count()
        templates = []
        for offset, vector in enumerate(vectors):
            person = Person(gallery_id=found.id, record_id=f"r{start + offset}", name="x")
            session.add(person)
            session.flush()
            photo = Photo(
                gallery_id=found.id,
                person_id=person.id,
                sha256=f"{start + offset:064d}",
                source="-",
                width=1,
                height=1,
            )
            session.add(photo)
            session.flush()
            template = Template(
                gallery_id=found.id,
                person_id=person.id,
                photo_id=photo.id,
                model_id=model.id,
                vector=vector.astype(np.float32).tobytes(),
                box={},
                quality={},
            )
            session.add(template)
            templates.append(template)
        session.flush()
        return [t.id for t in templates]


def ids_of(session: Session) -> tuple[int, int]:
    gallery = session.query(Gallery).one()
    return gallery.id, session.query(FaceModelRecord).one().id


@pytest.fixture(
    params=["faiss-flat", "faiss-sq8-exact", "faiss-hnsw", "milvus-flat", "milvus-hnsw"]
)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", index_backend=request.param)


def test_open_index_follows_the_database(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    vectors = unit(40, seed=1)
    first = add_templates(sessions, "state", vectors[:30])
    with sessions() as session:
        gallery_id, model_id = ids_of(session)
        index = open_index(session, settings, gallery_id, model_id)
        assert index.ids().tolist() == first
        assert index.search(vectors[:1], 1).ids[0, 0] == first[0]
    assert index_path(settings, gallery_id, model_id).is_file()

    later = add_templates(sessions, "state", vectors[30:])
    with transaction(sessions) as session:
        session.execute(delete(Template).where(Template.id.in_(first[:5])))
    with sessions() as session:
        index = open_index(session, settings, gallery_id, model_id)
        assert index.ids().tolist() == first[5:] + later
        hits = index.search(vectors[:5], 3)
        assert not np.isin(hits.ids, first[:5]).any(), "a removed template came back"


def test_a_milvus_collection_in_step_is_not_listed_again(
    tmp_path: Path, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", index_backend="milvus")
    assert settings.index_backend == "milvus-flat", "plain 'milvus' means the exact kind"
    add_templates(sessions, "state", unit(20, seed=2))
    with sessions() as session:
        gallery_id, model_id = ids_of(session)
        open_index(session, settings, gallery_id, model_id)

    def refuse(*_: object) -> bool:
        raise AssertionError("listed every id although nothing changed")

    monkeypatch.setattr(indexes, "sync_index", refuse)
    with sessions() as session:
        first = open_index(session, settings, gallery_id, model_id)
        second = open_index(session, settings, gallery_id, model_id)
        assert len(second) == 20
        assert isinstance(first, MilvusIndex) and isinstance(second, MilvusIndex)
        assert first._client is second._client, "one connection per deployment, not per search"


def test_milvus_collection_belongs_to_one_database(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    """A rebuilt database reuses ids; it must not inherit the old collection's vectors."""
    settings = Settings(data_dir=tmp_path / "data", index_backend="milvus-flat")
    add_templates(sessions, "state", unit(3, seed=3))
    with sessions() as session:
        gallery = session.query(Gallery).one()
        model = session.query(FaceModelRecord).one()
        name = collection_name(settings, gallery, model)
        assert name.startswith(f"facedocket_g{gallery.id}_m{model.id}_")
        twin = Gallery(
            id=gallery.id, name=gallery.name, created_at=gallery.created_at.replace(1999)
        )
        assert collection_name(settings, twin, model) != name


def test_milvus_refuses_a_collection_of_another_dimension(tmp_path: Path) -> None:
    uri = str(tmp_path / "m.db")
    MilvusIndex(uri, "c", 16)
    with pytest.raises(ValueError, match="dimension 16, not 32"):
        MilvusIndex(uri, "c", 32)
    with pytest.raises(ValueError, match="has a FLAT index, not HNSW"):
        MilvusIndex(uri, "c", 16, index_type="HNSW")


def test_the_freshness_check_reads_the_index_not_the_rows(sessions: sessionmaker[Session]) -> None:
    added = add_templates(sessions, "state", unit(30, seed=4))
    with sessions() as session:
        gallery_id, model_id = ids_of(session)
        query = indexes.count_and_newest(gallery_id, model_id)
        sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        if session.get_bind().dialect.name == "postgresql":
            # On 30 rows a scan is cheapest; forbid it to see which index the planner can use.
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(session.scalars(text(f"EXPLAIN {sql}")))
            assert "Index Only Scan using ix_templates_gallery_model_id" in plan
        else:
            plan = " ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "COVERING INDEX ix_templates_gallery_model_id" in plan
        assert session.execute(query).one() == (30, max(added))
