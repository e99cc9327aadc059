"""Bring a database to the current schema with Alembic, on purpose.

Nothing migrates a database as a side effect of starting: ``facedocket db upgrade`` does
(and the demo, on the database it makes, and the tests, on their template). The service
and every other command check that the database is at the newest revision and refuse to
run on one that is not, naming the command that brings it there. Alembic (with Mako and
Pygments) takes half a second to import, so the check is one query and loads no Alembic.
The newest revision is the highest number among the migration files: each is named after
its revision, one after another (a test checks that this is the head Alembic finds).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_COMMAND = "facedocket db upgrade"


class SchemaNotCurrentError(Exception):
    """The database is not at the revision this software's code declares."""


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def newest_revision() -> str:
    """The revision of the newest migration file (``0008_audit_tree.py`` is ``0008``)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("*.py"))


def current_revisions(engine: Engine) -> list[str]:
    """The revisions the database records; none where it has no schema yet. A database
    that cannot be reached raises (``OperationalError``): that is not an empty one."""
    with engine.connect() as connection:
        try:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        except DBAPIError:
            return []
    return sorted(row[0] for row in found)


def is_current(engine: Engine) -> bool:
    """Whether the database records exactly the newest revision (False where it has none)."""
    return current_revisions(engine) == [newest_revision()]


def require_current(engine: Engine) -> None:
    """Refuse a database that is not at the newest revision, saying what to do about it."""
    found = current_revisions(engine)
    newest = newest_revision()
    if found == [newest]:
        return
    _refuse_newer(found, newest)
    if not found:
        raise SchemaNotCurrentError(
            f"the database has no FaceDocket schema yet (this version needs revision "
            f"{newest}): run `{UPGRADE_COMMAND}` to create it"
        )
    raise SchemaNotCurrentError(
        f"the database is at revision {', '.join(found)}, behind this version's {newest}: "
        f"run `{UPGRADE_COMMAND}` (back the database up first)"
    )


def _refuse_newer(found: list[str], newest: str) -> None:
    if found and max(found) > newest:
        raise SchemaNotCurrentError(
            f"the database is at revision {', '.join(found)}, newer than this version of "
            f"FaceDocket knows ({newest}): run the FaceDocket that migrated it"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision``; a no-op on a current database. A database
    a newer FaceDocket migrated is refused (Alembic would only say it lacks the revision)."""
    found = current_revisions(engine)
    if revision == "head" and found == [newest_revision()]:
        return
    _refuse_newer(found, newest_revision())
    from alembic import command  # noqa: PLC0415

    command.upgrade(alembic_config(engine), revision)
