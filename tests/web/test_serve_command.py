"""``facedocket serve``, ``facedocket demo`` with its web pages, and ``admin set-password``.

Serving is checked up to the point where uvicorn would take over (it is replaced here);
the browser test runs a real server.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from alembic import command
from fastapi import FastAPI
from sqlalchemy import select
from tests.databases import migrated_file
from typer.testing import CliRunner

from facedocket.accounts.passwords import check_password
from facedocket.cli import app, context
from facedocket.settings import get_settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import alembic_config
from facedocket.store.schema import User

runner = CliRunner()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[dict[str, Any]]]:
    """A data folder of its own with a database at the current schema, and uvicorn
    replaced by a note of what it was asked."""
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(tmp_path / "data"))
    migrated_file(tmp_path / "data" / "facedocket.db")
    get_settings.cache_clear()
    context.sessions.cache_clear()
    served: list[dict[str, Any]] = []

    def run(application: FastAPI, **options: Any) -> None:
        served.append({"app": application, **options})

    monkeypatch.setattr(uvicorn, "run", run)
    yield served
    get_settings.cache_clear()
    context.sessions.cache_clear()


def test_serve_starts_uvicorn_with_the_app(environment: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "sign in at /login" in result.output
    [call] = environment
    assert isinstance(call["app"], FastAPI)
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)


def test_serve_refuses_a_database_behind_this_version(
    environment: list[dict[str, Any]], tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'facedocket.db'}")
    command.downgrade(alembic_config(engine), "0017")
    refused = runner.invoke(app, ["serve"])
    assert refused.exit_code == 1 and environment == []
    assert "at revision 0017, behind" in refused.output
    assert "run `facedocket db upgrade`" in refused.output and "Traceback" not in refused.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["serve"]).exit_code == 0 and len(environment) == 1


def test_serve_refuses_insecure_production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEDOCKET_ENVIRONMENT", "production")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "SECRET_KEY" in result.output and "Traceback" not in result.output


def test_set_password_from_standard_input(tmp_path: Path) -> None:
    runner.invoke(app, ["admin", "add-agency", "msp", "State Police"])
    runner.invoke(
        app,
        [
            "admin",
            "add-user",
            "first.admin",
            "--name",
            "A",
            "--agency",
            "msp",
            "--role",
            "administrator",
        ],
    )
    weak = runner.invoke(app, ["admin", "set-password", "first.admin", "--stdin"], input="short\n")
    assert weak.exit_code == 1 and "at least 12" in weak.output
    done = runner.invoke(
        app, ["admin", "set-password", "first.admin", "--stdin"], input="a good long password\n"
    )
    assert done.exit_code == 0, done.output
    missing = runner.invoke(app, ["admin", "set-password", "nobody", "--stdin"], input="x\n")
    assert missing.exit_code == 1 and "no user called" in missing.output


@pytest.mark.slow
def test_demo_then_serves_with_a_password_for_every_role(
    faces: Path, environment: list[dict[str, Any]]
) -> None:
    # 40 people: the smallest demo gallery whose chosen probe passes the quality floor.
    result = runner.invoke(app, ["demo", "--faces", str(faces), "--gallery-size", "40"])
    assert result.exit_code == 0, result.output
    assert "Sign in at http://127.0.0.1:8000/login" in result.output
    lines = [line.split() for line in result.output.splitlines() if line.startswith("  ")]
    passwords = {words[0]: words[1] for words in lines if len(words) >= 3 and "(" in words[2]}
    assert {"det.rivera", "intake.chen", "exam.okafor", "audit.nguyen", "admin.obrien"} <= set(
        passwords
    )
    [call] = environment
    assert call["port"] == 8000
    database = get_settings().data_dir / "demo" / "facedocket.db"
    with session_factory(make_engine(f"sqlite:///{database}"))() as session:
        user = session.scalars(select(User).where(User.username == "audit.nguyen")).one()
        assert check_password(session, user, passwords["audit.nguyen"])


def test_make_demo_does_not_serve(
    faces: Path, environment: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make demo`` must end on its own: with --no-serve nothing is served (the case
    itself is replaced here; the test above runs it)."""
    cases: list[Path] = []
    monkeypatch.setattr(
        import_module("facedocket.cli.demo"), "run_demo", lambda folder, *_: cases.append(folder)
    )
    result = runner.invoke(app, ["demo", "--faces", str(faces), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert cases == [faces]
    assert environment == [] and "Sign in" not in result.output
