"""``facedocket db``: the database's schema revision, and bringing it to this version's.

Nothing else migrates: the service and the other commands refuse a database that is not
at this version's revision and name ``facedocket db upgrade``. Run it after installing a
new version, with the service stopped and the database backed up.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from facedocket.cli.context import console, fail, refusals, settings
from facedocket.store.db import make_engine
from facedocket.store.migrate import (
    SchemaNotCurrentError,
    current_revisions,
    newest_revision,
    upgrade,
)

app = typer.Typer(
    help="The database's schema: its revision, and upgrading it.", no_args_is_help=True
)


def _engine() -> Engine:
    return make_engine(settings().db_url)


def _revision(engine: Engine) -> list[str]:
    try:
        return current_revisions(engine)
    except OperationalError as error:  # a server that does not answer
        fail(f"cannot reach the database: {error.orig}")


@app.command("upgrade")
def upgrade_command(
    revision: Annotated[
        str, typer.Option(help="The revision to stop at; this version's newest by default.")
    ] = "head",
) -> None:
    """Apply the migrations this version holds that the database lacks."""
    engine = _engine()
    before = _revision(engine)
    with refusals(SchemaNotCurrentError):
        upgrade(engine, revision)
    after = current_revisions(engine)
    if after == before:
        console.print(f"the database is at revision {', '.join(after)}; nothing to do")
    else:
        was = ", ".join(before) or "no schema"
        console.print(f"the database is at revision {', '.join(after)} (was {was})")


@app.command("current")
def current() -> None:
    """Print the database's revision; exit 1 unless it is this version's newest."""
    found = _revision(_engine())
    newest = newest_revision()
    shown = ", ".join(found) or "none"
    if found == [newest]:
        console.print(f"{shown} (the newest this version holds)")
        return
    console.print(
        f"{shown} (this version needs {newest}: run `facedocket db upgrade`)"
        if not found or max(found) < newest
        else f"{shown} (newer than this version's {newest})"
    )
    raise typer.Exit(1)
