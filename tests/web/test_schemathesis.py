"""Schemathesis against the OpenAPI schema: no operation answers with a server error.

A bounded run (a few examples per operation) on a seeded app: a caller holding every role,
an enrolled gallery, and a request approved by others (separation of duties keeps the
caller from searching a request it wrote or approved), so generated calls reach deep into
the workflow (a search with random options really runs through the legal gate). Before each
call the caller gets a fresh token and back every role, since a generated call may well
revoke its token or take its roles away.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.cases.conftest import PEOPLE, order_pdf
from tests.web.blank_app import blank_app

from facedocket.accounts.tokens import create_token
from facedocket.cases import requests
from facedocket.cases.directory import add_agency, add_user
from facedocket.cases.schemas import FileUpload, RequestCreate
from facedocket.faces.pipeline import FacePipeline
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.kernel.actors import load_actor
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory, transaction
from facedocket.store.migrate import upgrade
from facedocket.store.schema import User, UserRole
from facedocket.store.schema.base import utcnow
from facedocket.web.app import create_app

ROOT = "root"


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, faces: Path, pipeline: FacePipeline
) -> Iterator[tuple[FastAPI, sessionmaker[Session]]]:
    folder = tmp_path_factory.mktemp("schemathesis")
    engine = make_engine(f"sqlite:///{folder / 'api.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    config = Settings(data_dir=folder, workers=1, uswds_dir=folder / "none")
    with transaction(sessions) as session:
        add_agency(session, "operator:test", "state-police", "State Police")
        add_user(
            session,
            "operator:test",
            username=ROOT,
            full_name="Every Role",
            rank="Sergeant",
            agency_code="state-police",
            roles=[r.value for r in Role],
        )
        for username, role in (("officer", "requester"), ("intake", "intake_reviewer")):
            add_user(
                session,
                "operator:test",
                username=username,
                full_name=username.title(),
                rank="Sergeant",
                agency_code="state-police",
                roles=[role],
            )
    items = [
        EnrolmentItem(name, name, faces / "lfw" / name / f"{name}_0001.jpg") for name in PEOPLE
    ]
    enrol(config, sessions, "rmv", items, workers=1)
    form = RequestCreate.model_validate(
        {
            "case_number": "SP-1",
            "offence": "Robbery",
            "offence_class": "felony",
            "narrative": "A robbery on camera; the robber's face is visible.",
            "gallery": "rmv",
            "searching_body": "state-police",
            "basis": {
                "kind": "court_order",
                "court": "Superior Court",
                "docket_number": "1",
                "judge": "Judge",
                "issued_on": (utcnow() - timedelta(days=1)).date().isoformat(),
                "expires_at": (utcnow() + timedelta(days=60)).isoformat(),
                "scope": "Searches of the RMV gallery with this still image.",
            },
        }
    )
    probe = (faces / "lfw" / "Abdullah_Gul" / "Abdullah_Gul_0002.jpg").read_bytes()
    with transaction(sessions) as session:
        officer = load_actor(session, "officer")
        made = requests.create_request(
            session,
            config,
            officer,
            form,
            [FileUpload(filename="probe.jpg", content=probe, source="camera")],
            order_pdf(),
            pipeline=pipeline,
        )
        requests.submit(session, config, officer, made.id)
        intake = load_actor(session, "intake")
        requests.approve(session, config, intake, made.id, "The order covers this request.")
    yield create_app(config, sessions, pipeline), sessions
    engine.dispose()


def fresh_token(sessions: sessionmaker[Session]) -> str:
    with transaction(sessions) as session:
        root = session.scalars(select(User).where(User.username == ROOT)).one()
        root.active = True
        root.role_rows = [UserRole(role=r.value) for r in Role]
        session.flush()
        token, _ = create_token(session, root, "schemathesis", utcnow())
        return token


# The schema does not depend on the data, so it is read from an app without a database;
# each generated call goes to the seeded app.
# The coverage phase (hundreds of boundary cases per operation) is off: the run is bounded
# to a few generated examples per operation, so it fits the suite's time.
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json",
    blank_app(),
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}}),
)


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_with_a_server_error(
    case: schemathesis.Case, seeded: tuple[FastAPI, sessionmaker[Session]]
) -> None:
    token = fresh_token(seeded[1])
    response = case.call(app=seeded[0], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
