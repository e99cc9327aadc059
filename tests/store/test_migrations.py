"""The migrations build exactly the schema the code declares, on every database."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from facedocket.store.migrate import alembic_config, is_current, newest_revision, upgrade
from facedocket.store.schema import Base, Gallery


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)


def test_the_newest_migration_file_is_alembic_s_one_head(engine: Engine) -> None:
    """``upgrade`` skips Alembic on a database at the newest file's revision: that must be
    the head Alembic would migrate to, so a migration named out of turn fails here."""
    assert ScriptDirectory.from_config(alembic_config(engine)).get_heads() == [newest_revision()]


def test_only_a_database_at_the_head_skips_the_migrations(engine: Engine) -> None:
    assert is_current(engine)
    command.downgrade(alembic_config(engine), "0007")
    assert not is_current(engine)
    upgrade(engine)
    assert is_current(engine)
    assert not is_current(create_engine("sqlite://"))  # no alembic_version table at all


def test_times_come_back_timezone_aware(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(Gallery(name="state"))
    with sessions() as session:
        gallery = session.scalars(select(Gallery)).one()
    assert gallery.created_at.tzinfo is not None


def test_naive_times_are_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError, match="naive datetime"), sessions.begin() as session:
        session.add(Gallery(name="state", created_at=datetime(2026, 1, 1)))
