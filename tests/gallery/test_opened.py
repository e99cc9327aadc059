"""Indexes kept open between searches: opened once, opened again when the store changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker
from tests.gallery.test_indexes import add_templates, ids_of, unit

from facedocket.gallery import opened
from facedocket.gallery.opened import opened_index
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import Template


@pytest.fixture(params=["faiss-flat", "faiss-sq8-exact", "faiss-hnsw"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", index_backend=request.param)


def test_an_unchanged_gallery_is_not_opened_again(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = unit(20, seed=4)
    add_templates(sessions, "state", vectors)
    with sessions() as session, opened_index(session, settings, *ids_of(session)) as first:
        assert len(first) == 20

    def refuse(*_: object) -> None:
        raise AssertionError("opened the index again although the store did not change")

    monkeypatch.setattr(opened, "open_faiss_index", refuse)
    with sessions() as session, opened_index(session, settings, *ids_of(session)) as second:
        assert second is first


def test_templates_added_or_removed_since_are_searched_as_they_are_now(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    vectors = unit(30, seed=5)
    first = add_templates(sessions, "state", vectors[:20])
    with sessions() as session, opened_index(session, settings, *ids_of(session)) as index:
        assert index.search(vectors[:1], 1).ids[0, 0] == first[0]
    later = add_templates(sessions, "state", vectors[20:])
    with sessions() as session, opened_index(session, settings, *ids_of(session)) as index:
        assert index.search(vectors[25:26], 1).ids[0, 0] == later[5]
    # One removed and one added: as many templates as before, but not the same ones.
    with transaction(sessions) as session:
        session.execute(delete(Template).where(Template.id == first[0]))
    newest = add_templates(sessions, "state", unit(1, seed=6))
    with sessions() as session, opened_index(session, settings, *ids_of(session)) as index:
        assert len(index) == 30
        hits = index.search(vectors[:1], 30)
        assert first[0] not in hits.ids and newest[0] in index.ids()
        assert np.isin(index.ids(), first[1:] + later + newest).all()
