"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when configured.

Every test that takes ``engine`` runs once per database, so the suite proves both. Each
test gets a database of its own, copied from one migrated once per process
(tests/databases.py). A test that uses a fixture named in ``SEEDS`` (the workflow tests'
``world``: staff and an enrolled gallery) starts from a copy of a database seeded once,
instead of enrolling the photos again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.databases import (  # noqa: F401 (DATABASES, migrated: tests import them from here)
    DATABASES,
    POSTGRES_URL,
    SEEDS,
    TEMPLATES,
    Templates,
    for_test,
    migrated,
)
from tests.races import Racers
from tests.races import racers as racing

from facedocket.store.db import session_factory


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


@pytest.fixture(scope="session", autouse=True)
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """The templates ``migrated`` copies, made on first use; PostgreSQL's dropped at the end."""
    templates = Templates(tmp_path_factory.mktemp("templates"))
    TEMPLATES.append(templates)
    yield templates
    TEMPLATES.remove(templates)
    templates.close()


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from for_test(request.param, request, tmp_path)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture(scope="session")
def racers(model_cache: Path) -> Iterator[Racers]:
    """Eight spawned worker processes for the race tests, started once per run (after
    ``model_cache`` has set the model folder they inherit)."""
    yield from racing()


# Fixtures that start many processes of their own, and the xdist group of their tests.
CROWDS = {"racers": "races", "ray_instance": "ray"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``, as ``make test`` runs) the tests of each
    fixture in ``CROWDS`` share one test process: a run starts one pool of eight racers and
    one Ray instance, not one per test process, on a machine of two cores."""
    for item in items:
        for fixture, group in CROWDS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
