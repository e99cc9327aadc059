"""Every CLI test gets its own data folder, holding a database at the current schema (as
``facedocket db upgrade`` leaves it), and the cached settings and sessions forget the
previous test's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.databases import migrated_file

from facedocket.cli import context
from facedocket.settings import get_settings


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FACEDOCKET_DATABASE_URL", raising=False)
    migrated_file(tmp_path / "data" / "facedocket.db")
    get_settings.cache_clear()
    context.sessions.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()
    context.sessions.cache_clear()
