"""What the walk over every command and route needs: what they are, how to run them, and
what a step changed.

A change of state is a change of any row of any table outside the record itself, except
the bookkeeping of signing in, which the record covers where it matters (each sign-in is
``account.signed_in``); a step that makes one must leave at least one new audit entry.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.web.conftest import Web
from typer.main import get_command
from typer.testing import CliRunner

from facedocket.audit.log import head
from facedocket.cli import app as cli_app
from facedocket.gallery.jobs import get_job, list_jobs
from facedocket.gallery.runner import run_next
from facedocket.store.schema import ApiToken, User, WebSession
from facedocket.store.schema.base import Base

API = "/api/v1"
RECORD = {
    "audit_entries",
    "audit_head",
    "audit_checkpoints",
    "audit_tree_nodes",
    "audit_cosignatures",
}
BOOKKEEPING = {
    "audit_witness_status": "when each witness was last asked and what it answered; what it "
    "cosigned is in the record (audit_cosignatures)",
    "web_sessions": "a browser session: opening one is account.signed_in; it is touched as "
    "it is used, and ends at sign-out, idleness, or a password change (recorded)",
    "login_attempts": "the sign-in throttle's counter; a sign-in that succeeds is recorded",
    "webauthn_challenges": "a passkey ceremony's one-time challenge; the passkey it adds, "
    "or the sign-in it completes, is recorded",
}
UNRECORDED_COLUMNS = {
    ("api_tokens", "last_used_at"): "when a token was last presented, touched on every call",
    ("passkeys", "last_used_at"): "when a passkey last signed in (each sign-in is recorded)",
    ("passkeys", "sign_count"): "the authenticator's counter, moved by each recorded sign-in",
}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
PEOPLE = ["Aaron_Peirsol", "Adam_Sandler"]


@dataclass(frozen=True)
class Step:
    """One command or route, run as a person would; ``run`` asserts it succeeded."""

    name: str  # "cli requests create", or "POST /api/v1/requests/{request_id}/approve"
    run: Callable[[], Any]


def commands() -> set[str]:
    """Every command of the ``facedocket`` program, as ``cli GROUP COMMAND``."""

    def walk(command: Any, path: list[str]) -> Iterator[str]:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(["cli", *path])

    return set(walk(get_command(cli_app), []))


def mutating_routes(app: FastAPI) -> set[str]:
    """Every state-changing (method, path) of the web service, routers' prefixes included."""
    found = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.path is not None:
            found |= {f"{m} {context.path}" for m in context.methods or () if m in MUTATING}
    return found


def state(session: Session) -> tuple[dict[str, str], int]:
    """A digest of every table that holds state, and the record's last entry number."""
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name in RECORD or table.name in BOOKKEEPING:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in UNRECORDED_COLUMNS]
        rows = sorted(repr(tuple(row)) for row in session.execute(select(*columns)))
        digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests, head(session)[0]


def _now(value: Any) -> Any:
    """A step's argument: a callable is read when the step runs (an id made by an earlier one)."""
    return value() if callable(value) else value


class World:
    """The seeded world and the ways to act in it: the program, the API, the pages."""

    def __init__(self, web: Web, folder: Path, faces: Path) -> None:
        self.web, self.folder, self.faces = web, folder, faces
        self.ids: dict[str, Any] = {}
        self.runner = CliRunner()

    def command(self, *args: Any, input: str | None = None) -> Step:
        return Step(f"cli {args[0]} {args[1]}", lambda: self.cli(*map(_now, args), input=input))

    def route(self, user: str, method: str, template: str, **kwargs: Any) -> Step:
        def run() -> Any:
            return self.call(user, method, template, **{k: _now(v) for k, v in kwargs.items()})

        return Step(f"{method} {template}", run)

    def cli(self, *args: Any, input: str | None = None) -> str:
        words = [str(arg) for arg in args]
        result = self.runner.invoke(cli_app, words, input=input)
        assert result.exit_code == 0, f"facedocket {' '.join(words)}: {result.output}"
        return result.output

    def call(self, user: str, method: str, template: str, **kwargs: Any) -> Any:
        path = template.format(**{k: kwargs.pop(k) for k in re.findall(r"{(\w+)}", template)})
        response = self.web.call(user, method, path, follow_redirects=False, **kwargs)
        said = re.sub(r"<[^>]+>|\s+", " ", response.text.split('id="main-content"')[-1])
        assert response.status_code < 400, f"{method} {path}: {said[:300]}"
        return response

    def user_id(self, username: str) -> int:
        with self.web.world.sessions() as session:
            return session.scalars(select(User.id).where(User.username == username)).one()

    def token_id(self, username: str, name: str) -> int:
        with self.web.world.sessions() as session:
            return session.scalars(
                select(ApiToken.id)
                .join(User, User.id == ApiToken.user_id)
                .where(User.username == username, ApiToken.name == name)
            ).one()

    def session_ids(self, username: str) -> list[int]:
        with self.web.world.sessions() as session:
            return list(
                session.scalars(
                    select(WebSession.id)
                    .join(User, User.id == WebSession.user_id)
                    .where(User.username == username)
                    .order_by(WebSession.id)
                )
            )

    def candidates(self, request_id: int) -> list[int]:
        rows = self.call("examiner", "GET", f"/api/v1/requests/{request_id}/candidates").json()
        return [row["candidate_id"] for row in rows]

    def request(self, user: str = "officer", submit: bool = True, **basis: Any) -> int:
        made = self.web.create(user, submit=submit, **basis)
        assert made.status_code == 201, made.text
        return int(made.json()["id"])

    def file(self, name: str, content: bytes | str) -> str:
        path = self.folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    def photos(self, target: Path) -> Path:
        for name in PEOPLE:
            (target / name).mkdir(parents=True)
            shutil.copy(self.faces / "lfw" / name / f"{name}_0002.jpg", target / name)
        return target

    def wait_for_enrolments(self) -> None:
        """Run every queued enrolment job here, to its end, as ``facedocket worker`` would."""
        services = self.web.app.state.services
        while (job_id := run_next(services.settings, services.sessions)) is not None:
            assert self.job_state(job_id) == "finished"

    def job_state(self, job_id: int) -> str:
        with self.web.world.sessions() as session:
            job = get_job(session, job_id)
            return f"{job.state} {job.error}" if job.error else job.state

    def newest_job(self) -> int:
        with self.web.world.sessions() as session:
            return list_jobs(session, limit=1)[0].id

    def queued(self, folder: str) -> str:
        """A folder of photos under the import folder, as a job's source names it."""
        self.photos(self.web.world.settings.imports_dir / folder)
        return folder
