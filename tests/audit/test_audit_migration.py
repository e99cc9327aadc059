"""Migration 0002 can be undone and redone, triggers included, on every database."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError
from tests.audit.helpers import fill

from facedocket.store.db import session_factory
from facedocket.store.migrate import alembic_config, upgrade

AUDIT_TABLES = {"audit_entries", "audit_head", "audit_checkpoints"}


def test_downgrade_and_upgrade_again(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0001")
    assert AUDIT_TABLES.isdisjoint(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= AUDIT_TABLES
    fill(session_factory(engine), 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries"))
