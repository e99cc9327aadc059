"""The one person the account race tests need: a requester of the Boston police."""

from __future__ import annotations

from sqlalchemy.orm import Session

from facedocket.cases.directory import add_agency, add_user
from facedocket.store.schema import User


def officer(session: Session) -> User:
    add_agency(session, "operator:test", "bpd", "Boston Police Department")
    return add_user(
        session,
        "operator:test",
        username="officer",
        full_name="Officer",
        agency_code="bpd",
        roles=["requester"],
    )
