"""``facedocket db``: a database is migrated on purpose, and nothing runs on one that is not
at this version's schema (the service's refusal: tests/web/test_serve_command.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from facedocket.cli import app
from facedocket.settings import Settings, get_settings
from facedocket.store.migrate import SchemaNotCurrentError, alembic_config, newest_revision
from facedocket.web.app import create_app

runner = CliRunner()
UPGRADE = "run `facedocket db upgrade`"


@pytest.fixture
def configured(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The test's database (SQLite or PostgreSQL), as the commands' configured one."""
    monkeypatch.setenv("FACEDOCKET_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    return engine


def _revision(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT version_num FROM alembic_version")))


def test_current_prints_the_revision(configured: Engine) -> None:
    shown = runner.invoke(app, ["db", "current"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.split()[0] == newest_revision() == _revision(configured)[0]


def test_a_database_behind_is_refused_until_upgraded(configured: Engine) -> None:
    command.downgrade(alembic_config(configured), "0016")
    refused = runner.invoke(app, ["jobs", "list"])
    assert refused.exit_code == 1
    assert f"at revision 0016, behind this version's {newest_revision()}" in refused.output
    assert UPGRADE in refused.output and "Traceback" not in refused.output
    behind = runner.invoke(app, ["db", "current"])
    assert behind.exit_code == 1 and behind.output.startswith("0016") and UPGRADE in behind.output

    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"at revision {newest_revision()} (was 0016)" in upgraded.output
    assert _revision(configured) == [newest_revision()]
    assert runner.invoke(app, ["jobs", "list"]).exit_code == 0
    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_the_service_refuses_a_database_behind(configured: Engine) -> None:
    command.downgrade(alembic_config(configured), "0016")
    settings = Settings(database_url=configured.url.render_as_string(hide_password=False))
    with pytest.raises(
        SchemaNotCurrentError, match=r"at revision 0016, behind.*facedocket db upgrade"
    ):
        create_app(settings)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert create_app(settings).title == "FaceDocket"


def test_an_empty_database_is_created_only_by_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No command makes the schema as a side effect; ``db upgrade`` does."""
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(tmp_path / "new"))
    get_settings.cache_clear()
    refused = runner.invoke(app, ["jobs", "list"])
    assert refused.exit_code == 1 and "no FaceDocket schema yet" in refused.output
    assert UPGRADE in refused.output
    empty = runner.invoke(app, ["db", "current"])
    assert empty.exit_code == 1 and empty.output.startswith("none")
    made = runner.invoke(app, ["db", "upgrade"])
    assert made.exit_code == 0 and "(was no schema)" in made.output, made.output
    assert runner.invoke(app, ["jobs", "list"]).exit_code == 0


def test_a_database_newer_than_this_version_is_refused_and_left_alone(configured: Engine) -> None:
    with configured.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for words in (["jobs", "list"], ["db", "upgrade"]):
        refused = runner.invoke(app, words)
        assert refused.exit_code == 1, words
        assert "at revision 9999, newer than this version" in refused.output
    assert _revision(configured) == ["9999"]


def test_an_unreachable_server_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEDOCKET_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    get_settings.cache_clear()
    shown = runner.invoke(app, ["db", "current"])
    assert shown.exit_code == 1 and "cannot reach the database" in shown.output
    assert "Traceback" not in shown.output
