"""What every command needs: settings, a database at the current schema, and a clean way to fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from facedocket.settings import Settings, get_settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import SchemaNotCurrentError, require_current

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@cache
def sessions() -> sessionmaker[Session]:
    """Sessions on the configured database, refused unless it is at the current schema
    (``facedocket db upgrade`` brings it there)."""
    settings = get_settings()
    engine = make_engine(settings.db_url)
    with refusals(SchemaNotCurrentError):
        require_current(engine)
    return session_factory(engine)


def reachable_sessions() -> sessionmaker[Session] | None:
    """The configured database where it exists and answers; None, creating nothing, if not.

    For checks that can also run without the agency's record (a defence expert's machine
    has no FaceDocket database): a missing SQLite file is not made, a server that does not
    answer is not an error.
    """
    url = make_url(get_settings().db_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return None
    try:
        return sessions()
    except OperationalError:
        return None


def settings() -> Settings:
    return get_settings()


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def refusals(*kinds: type[Exception]) -> Iterator[None]:
    """Turn the library's refusals into one clear line and a non-zero exit, no traceback."""
    try:
        yield
    except kinds as error:
        fail(str(error))
