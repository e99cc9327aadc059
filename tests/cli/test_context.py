"""Reaching the agency's database only where one exists: checks that can run without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from facedocket.cli import context
from facedocket.settings import get_settings


def test_a_missing_sqlite_database_is_not_reachable_and_not_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "no-database"
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(elsewhere))
    get_settings.cache_clear()
    assert context.reachable_sessions() is None
    assert not elsewhere.exists() or not any(elsewhere.rglob("*.db"))


def test_an_existing_database_is_reachable(data_dir: Path) -> None:
    with context.sessions()() as session:
        session.connection()
    assert context.reachable_sessions() is not None


def test_a_server_that_does_not_answer_is_not_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEDOCKET_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    get_settings.cache_clear()
    assert context.reachable_sessions() is None
