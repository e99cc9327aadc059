"""Alembic environment: runs on the engine the caller passes in ``config.attributes``, or,
for the ``alembic`` command (alembic.ini), on the configured database."""

from __future__ import annotations

from alembic import context

from facedocket.settings import get_settings
from facedocket.store.db import make_engine
from facedocket.store.schema import Base

engine = context.config.attributes.get("engine") or make_engine(get_settings().db_url)
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
