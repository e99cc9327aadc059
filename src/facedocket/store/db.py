"""Engines and sessions.

SQLite and PostgreSQL run the same code; the few differences (foreign keys are off by
default in SQLite, a file needs its folder) are handled here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from facedocket.private_files import FILE_MODE, make_private, private_folder


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; for SQLite it creates the folder and turns constraints on.

    Statement parameters are case numbers, narratives, names and token prefixes: an error
    never quotes them (``hide_parameters``), so no log or trace holds them.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_database(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _private_database(path: Path) -> None:
    """The database file and its WAL and shared-memory files, owner-only (0600).

    SQLite gives the WAL and shared-memory files the database file's own mode, so creating
    that file 0600 before SQLite does keeps all three private; files from before are narrowed.
    """
    private_folder(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    for suffix in ("", "-wal", "-shm", "-journal"):
        make_private(path.with_name(path.name + suffix))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off in SQLite unless asked for per connection; WAL lets readers
    # (the web service) work while an enrolment writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session


def insert_new(session: Session, model: type[Any], unique: str, **values: Any) -> int:
    """Insert a row unless one has its value in the unique column ``unique`` (1 if
    inserted, else 0): what two processes adding the same row at once both do safely, on
    SQLite and PostgreSQL alike (``INSERT ... ON CONFLICT DO NOTHING``)."""
    # Each dialect's insert loads with it: a command on SQLite never loads PostgreSQL's.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect  # noqa: PLC0415
    else:
        from sqlalchemy.dialects import sqlite as dialect  # type: ignore[no-redef]  # noqa: PLC0415
    done = session.execute(
        dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=[unique])
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
