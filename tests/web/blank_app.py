"""An app over an empty, migrated database in a folder of its own, for tests that read
the app's routes or its OpenAPI schema: those do not depend on the data, but starting
the app touches the database (it seals any TOTP seed still stored in plain form)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import FastAPI

from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade
from facedocket.web.app import create_app


def blank_app() -> FastAPI:
    folder = Path(tempfile.mkdtemp(prefix="facedocket-blank-app-"))
    engine = make_engine(f"sqlite:///{folder / 'facedocket.db'}")
    upgrade(engine)
    return create_app(Settings(data_dir=folder), session_factory(engine))
