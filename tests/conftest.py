"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when configured.

Every test that takes ``engine`` runs once per database, so the suite proves both. On
PostgreSQL each test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from tests.races import Racers
from tests.races import racers as racing

from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade

POSTGRES_URL = os.environ.get("FACEDOCKET_TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def faces_dir() -> Path:
    """The development photo set, configurable for machines that keep it elsewhere."""
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"
    return Path(os.environ.get("FACEDOCKET_FACES_DIR", default))


@pytest.fixture(scope="session")
def faces() -> Path:
    path = faces_dir()
    if not (path / "images.tsv").is_file():
        pytest.skip(f"development photo set not found at {path}; set FACEDOCKET_FACES_DIR")
    return path


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One converted model for the whole run, instead of one per test's data folder."""
    folder = tmp_path_factory.mktemp("models")
    previous = os.environ.get("FACEDOCKET_MODEL_DIR")
    os.environ["FACEDOCKET_MODEL_DIR"] = str(folder)
    yield folder
    if previous is None:
        del os.environ["FACEDOCKET_MODEL_DIR"]
    else:
        os.environ["FACEDOCKET_MODEL_DIR"] = previous


def migrated(database: str, folder: Path) -> Iterator[Engine]:
    """A migrated, empty database of kind ``database`` ("sqlite" in ``folder``, or a
    schema of its own on the configured PostgreSQL), dropped when the generator ends."""
    if database == "sqlite":
        eng = make_engine(f"sqlite:///{folder / 'test.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from migrated(request.param, tmp_path)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture(scope="session")
def racers(model_cache: Path) -> Iterator[Racers]:
    """Eight spawned worker processes for the race tests, started once per run (after
    ``model_cache`` has set the model folder they inherit)."""
    yield from racing()
