"""The data folder and what it holds are the owner's alone, whatever the umask says."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from facedocket.audit.keys import signing_key
from facedocket.gallery.index.faiss_index import FaissIndex
from facedocket.settings import Settings
from facedocket.store.db import make_engine
from facedocket.store.migrate import upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The common default, under which a plain open() makes files world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_sqlite_database_and_its_wal_are_private(tmp_path: Path) -> None:
    database = tmp_path / "var" / "data" / "facedocket.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (content BLOB)"))
        connection.execute(text("INSERT INTO probe VALUES (x'ffd8ff')"))
        files = {p.name for p in database.parent.iterdir()}
        assert {"facedocket.db", "facedocket.db-wal", "facedocket.db-shm"} <= files
        for name in files:
            assert mode(database.parent / name) == 0o600, name
    engine.dispose()
    assert mode(database.parent) == 0o700 and mode(database.parent.parent) == 0o700


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    database = tmp_path / "facedocket.db"
    for suffix in ("", "-wal"):
        database.with_name(database.name + suffix).touch(mode=0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600
    assert mode(database.with_name("facedocket.db-wal")) == 0o600


def test_an_index_and_the_development_signing_key_are_private(tmp_path: Path) -> None:
    index = FaissIndex(4)
    index.add(np.array([1], dtype=np.int64), np.eye(1, 4, dtype=np.float32))
    saved = tmp_path / "data" / "indexes" / "gallery.faiss"
    index.save(saved)
    assert mode(saved) == 0o600
    assert {mode(file) for file in saved.parent.iterdir()} == {0o600}, "FAISS's own files too"
    assert mode(saved.parent) == 0o700 and mode(saved.parent.parent) == 0o700
    settings = Settings(data_dir=tmp_path / "keys")
    signing_key(settings)
    assert mode(settings.audit_signing_key_file) == 0o600
    assert mode(settings.data_dir) == 0o700
