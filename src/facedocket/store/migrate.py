"""Bring a database to the current schema with Alembic, from code or the CLI.

Every command and the service call ``upgrade`` first. Alembic (with Mako and Pygments)
takes half a second to import, so a database already at the newest revision is recognised
with one query and Alembic is not loaded at all. The newest revision is the highest number
among the migration files: each is named after its revision, one after another (a test
checks that this is the head Alembic finds).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def newest_revision() -> str:
    """The revision of the newest migration file (``0008_audit_tree.py`` is ``0008``)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("*.py"))


def is_current(engine: Engine) -> bool:
    """Whether the database records exactly the newest revision (False where it has none)."""
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return False
    return [row[0] for row in found] == [newest_revision()]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision``; a no-op on a current database."""
    if revision == "head" and is_current(engine):
        return
    from alembic import command  # noqa: PLC0415

    command.upgrade(alembic_config(engine), revision)
