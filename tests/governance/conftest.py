"""A small seeded record for governance: an agency, its staff, one model, no cases."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.records import Seeder

from facedocket.kernel.actors import Actor, load_actor


class Staff:
    def __init__(self, sessions: sessionmaker[Session], seeder: Seeder) -> None:
        self.sessions = sessions
        self.model_id = seeder.model.id

    def actor(self, username: str) -> Actor:
        with self.sessions() as session:
            return load_actor(session, username)


@pytest.fixture
def staff(sessions: sessionmaker[Session]) -> Staff:
    with sessions.begin() as session:
        seed = Seeder(session)
        seed.agency("state-police", "Massachusetts State Police")
        seed.agency("bpd", "Boston Police Department")
        seed.user("officer", "bpd", "requester")
        seed.user("examiner", "state-police", "examiner")
        seed.user("supervisor", "state-police", "supervisor")
        seed.user("auditor", "state-police", "auditor")
        seed.user("admin", "state-police", "administrator")
        return Staff(sessions, seed)
