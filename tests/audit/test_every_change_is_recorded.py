"""Every change of state is on the record, whoever makes it (issue 10, item 6).

The walk reads every command from the ``facedocket`` program and every state-changing
route from the web service, so one added later without a step here fails at once. Each
step runs, as a person would, against one seeded world (agencies, staff, an enrolled
gallery); a step that changes any table outside the record without a new entry fails the
walk, naming the tables it changed.
"""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.audit.walk import Step, World, commands, mutating_routes, state
from tests.audit.walk_people import people_steps, program_steps
from tests.audit.walk_requests import request_steps
from tests.web.conftest import (  # noqa: F401 (fixtures)
    Web,
    cheap_hashing,
    pipeline,
    web,
    world,
)

import facedocket.cli
from facedocket.audit import existing_signing_key, verify
from facedocket.reports.timeline import WORDS
from facedocket.store.schema import Agency, AuditEntry

EXEMPT = {
    "cli serve": "serves the routes that this walk calls one by one",
    "cli witness serve": "serves add-checkpoint, which writes the witness's own store, "
    "never the agency's: tests/witness run it as a process",
    "cli demo": "builds a world of its own from the library calls walked here; "
    "tests/cli/test_demo.py verifies its record",
    # The walk's law (Massachusetts) deletes no results, so these refuse; a Maine world
    # declares one by each way in tests/cases/test_unlawful.py (the library, with the
    # search.declared_unlawful entry and the chain) and tests/web/test_unlawful_routes.py
    # (the API and the page, each leaving that entry and the tombstone).
    "cli requests unlawful-search": "needs a law that deletes results (Maine): see above",
    "POST /api/v1/requests/{request_id}/unlawful": "needs a law that deletes results: see above",
    "POST /requests/{request_id}/unlawful": "needs a law that deletes results: see above",
    "POST /login/oidc/{name}": "starts a sign-on at an identity provider and writes "
    "nothing (its sign-in, at the callback, is recorded); the walk's world has no "
    "provider: tests/web/test_oidc.py runs it against a real one",
    "cli db current": "reads the schema's version, no table: tests/cli/test_db.py",
    "cli db upgrade": "changes the schema, not what the record is about (the walk's world is "
    "at the newest version already): tests/cli/test_db.py runs it on both databases",
}
# Steps that change no table but must still be recorded: face recognition on demand.
RECORDED_WITHOUT_STATE = {"cli faces compare"}


@pytest.fixture
def walk(
    web: Web,  # noqa: F811
    tmp_path: Path,
    faces: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    """The program run on the web service's world: same settings, same database."""
    seeded = web.world
    # The program loads a sub-command's module when it first runs; a module first loaded
    # during the walk would bind the patched functions below for good and take the walk's
    # world into every later test. So all are loaded, and patched, now.
    for found in pkgutil.iter_modules(facedocket.cli.__path__):
        import_module(f"facedocket.cli.{found.name}")
    for name, module in list(sys.modules.items()):
        if name.startswith("facedocket.cli."):
            for attribute, value in (
                ("sessions", lambda: seeded.sessions),
                ("reachable_sessions", lambda: seeded.sessions),
                ("settings", lambda: seeded.settings),
            ):
                if hasattr(module, attribute):
                    monkeypatch.setattr(module, attribute, value)
    (tmp_path / "walk").mkdir()
    return World(web, tmp_path / "walk", faces)


def steps(w: World) -> list[Step]:
    return request_steps(w) + people_steps(w) + program_steps(w)


def test_every_command_and_state_changing_route_is_walked(walk: World) -> None:
    wanted = commands() | mutating_routes(walk.web.app)
    walked = {step.name for step in steps(walk)}
    missing = sorted(wanted - walked - set(EXEMPT))
    assert not missing, f"no step walks {missing}: add one, and record what it changes"
    assert not walked - wanted, f"steps for what does not exist: {sorted(walked - wanted)}"


def test_every_change_of_state_leaves_an_audit_entry(walk: World) -> None:
    failures = []
    for step in steps(walk):
        with walk.web.world.sessions() as session:
            before, last = state(session)
        step.run()
        with walk.web.world.sessions() as session:
            after, now = state(session)
        changed = sorted(table for table in after if after[table] != before[table])
        if now == last and (changed or step.name in RECORDED_WITHOUT_STATE):
            failures.append(f"{step.name}: changed {changed or 'nothing'}, left no entry")
    assert not failures, "\n".join(failures)
    key = existing_signing_key(walk.web.world.settings)
    assert key is not None
    with walk.web.world.sessions() as session:
        result = verify(session, key.public_key())
    assert result.ok, result
    # The record reads in words (issue 18): every action walked has its sentence.
    with walk.web.world.sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action).distinct()))
    assert not actions - set(WORDS), f"no words for {sorted(actions - set(WORDS))}"


def test_the_walk_sees_a_change_that_leaves_no_entry(walk: World) -> None:
    # The check itself can fail: a row written behind the library's back is caught.
    with walk.web.world.sessions() as session:
        before, last = state(session)
    with walk.web.world.sessions.begin() as session:
        session.add(Agency(code="ghost", name="Written without an entry"))
    with walk.web.world.sessions() as session:
        after, now = state(session)
    assert now == last
    assert [table for table in after if after[table] != before[table]] == ["agencies"]
