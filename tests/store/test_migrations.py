"""The migrations build exactly the schema the code declares, on every database."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from facedocket.store.migrate import upgrade
from facedocket.store.schema import Base, Gallery


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)


def test_times_come_back_timezone_aware(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(Gallery(name="state"))
    with sessions() as session:
        gallery = session.scalars(select(Gallery)).one()
    assert gallery.created_at.tzinfo is not None


def test_naive_times_are_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError, match="naive datetime"), sessions.begin() as session:
        session.add(Gallery(name="state", created_at=datetime(2026, 1, 1)))
