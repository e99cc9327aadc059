"""Databases for the tests: migrated once per process into a template, copied per test.

Running the migrations costs one to three seconds a database here, hundreds of times a run,
so each test process migrates once, into a template, and each test gets a copy of it: the
file, copied, on SQLite; on PostgreSQL a database of its own made from the template
(``CREATE DATABASE ... TEMPLATE``), dropped afterwards. A ``Seed`` is made once the same
way: tests that start from it get a copy of the seeded database and of its data folder.

This is a module of its own, not part of a conftest, because pytest imports each conftest
under its own name and tests import it again as ``tests.…``: the one ``SEEDS`` table and
the one set of templates must be the same objects for both.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from facedocket.store.db import make_engine
from facedocket.store.migrate import upgrade

POSTGRES_URL = os.environ.get("FACEDOCKET_TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@dataclass(frozen=True)
class Seed:
    """What a template holds beyond the schema. ``fill`` writes it once per process into a
    migrated database and the data folder beside it; ``request`` gives it fixtures."""

    name: str
    fill: Callable[[Engine, Path, pytest.FixtureRequest], None]


# Fixture name -> the seed that the databases of the tests using that fixture start from.
SEEDS: dict[str, Seed] = {}


@dataclass(frozen=True)
class Template:
    """A database made once: an SQLite file, or a PostgreSQL database (``name``), and the
    data folder (``data``) its seed wrote beside it."""

    name: str
    data: Path


def postgres(database: str) -> Engine:
    """An engine on ``database`` of the configured server. The search path is named, so
    a child process can be given it as a test gives a schema (tests/races.py)."""
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL).set(database=database)
    return make_engine(
        url.render_as_string(hide_password=False),
        connect_args={"options": "-csearch_path=public"},
    )


class Templates:
    """This process's templates, made on first use, dropped when the run ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[tuple[str, str], Template] = {}
        self.admin: Engine | None = None

    def server(self) -> Engine:
        """The configured server, outside any transaction (CREATE DATABASE needs that)."""
        if self.admin is None:
            assert POSTGRES_URL is not None
            self.admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        return self.admin

    def create(self, name: str, template: str | None = None) -> None:
        copied = f' TEMPLATE "{template}"' if template else ""
        with self.server().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))

    def drop(self, name: str) -> None:
        with self.server().connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def of(
        self, database: str, seed: Seed | None, request: pytest.FixtureRequest | None
    ) -> Template:
        key = (database, seed.name if seed else "")
        if key not in self.made:
            self.made[key] = self._make(database, seed, request)
        return self.made[key]

    def _make(
        self, database: str, seed: Seed | None, request: pytest.FixtureRequest | None
    ) -> Template:
        label = f"{database}-{seed.name if seed else 'migrated'}"
        folder = self.folder / label
        folder.mkdir()
        if database == "sqlite":
            path = folder / "template.db"
            if seed is None:
                engine = make_engine(f"sqlite:///{path}")
                upgrade(engine)
            else:
                shutil.copyfile(self.of(database, None, request).name, path)
                engine = make_engine(f"sqlite:///{path}")
            name = str(path)
        else:
            name = f"tmpl_{uuid.uuid4().hex[:12]}_{seed.name if seed else 'migrated'}"
            self.create(name, self.of(database, None, request).name if seed else None)
            engine = postgres(name)
            if seed is None:
                upgrade(engine)
        try:
            if seed is not None:
                assert request is not None, f"the {seed.name} seed needs the test's fixtures"
                seed.fill(engine, folder, request)
            if database == "sqlite":
                # Everything into the one file, which is all that is copied.
                with engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            # A template database takes no copy while anyone is connected to it.
            engine.dispose()
        return Template(name, folder / "data")

    def close(self) -> None:
        if self.admin is None:
            return
        for (database, _), template in self.made.items():
            if database == "postgresql":
                self.drop(template.name)
        self.admin.dispose()


# The run's templates (tests/conftest.database_templates sets them up and drops them).
TEMPLATES: list[Templates] = []


def migrated(
    database: str,
    folder: Path,
    seed: Seed | None = None,
    request: pytest.FixtureRequest | None = None,
) -> Iterator[Engine]:
    """A migrated database of kind ``database`` ("sqlite" in ``folder``, or a database of
    its own on the configured PostgreSQL), empty or as ``seed`` fills it (its data folder
    copied to ``folder / "data"``), dropped when the generator ends."""
    template = TEMPLATES[-1].of(database, seed, request)
    if template.data.is_dir():
        shutil.copytree(template.data, folder / "data", dirs_exist_ok=True)
    if database == "sqlite":
        shutil.copyfile(template.name, folder / "test.db")
        eng = make_engine(f"sqlite:///{folder / 'test.db'}")
        yield eng
        eng.dispose()
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    server = TEMPLATES[-1]
    server.create(name, template.name)
    eng = postgres(name)
    try:
        yield eng
    finally:
        eng.dispose()
        server.drop(name)


def migrated_file(path: Path) -> Path:
    """An SQLite database at ``path`` at the current schema, as ``facedocket db upgrade``
    leaves it: a copy of the template, for tests that run commands on a data folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATES[-1].of("sqlite", None, None).name, path)
    return path


def for_test(database: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[Engine]:
    """The database of a test (``request``) of kind ``database`` in ``folder``: seeded when
    the test uses a fixture named in ``SEEDS``, else migrated and empty."""
    seeds = {SEEDS[name] for name in request.fixturenames if name in SEEDS}
    assert len(seeds) <= 1, f"a test starts from one seeded database, not {seeds}"
    yield from migrated(database, folder, next(iter(seeds), None), request)
