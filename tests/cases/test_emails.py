"""Mail addresses of users: one plain address or a clear refusal, nothing stored then."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.cases.directory import add_agency, add_user, checked_email, update_user
from facedocket.kernel.refusals import Refused
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, User


@pytest.mark.parametrize(
    "hostile",
    [
        "A. Officer <a@agency.gov>",  # a display name
        "a@agency.gov, b@agency.gov",  # a second address
        "a@agency.gov\r\nBcc: everyone@agency.gov",  # a header smuggled in
        "a@agency.gov\x00",
        "nobody",
        "@agency.gov",
        "a@localhost",  # no domain a mail could leave the machine for
        "a" * 250 + "@agency.gov",
    ],
)
def test_anything_but_one_plain_address_is_refused(hostile: str) -> None:
    with pytest.raises(Refused, match="one plain address"):
        checked_email(hostile)


def test_an_address_is_set_on_the_record_and_a_bad_one_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        add_agency(session, "operator:test", "msp", "State Police")
        user = add_user(
            session,
            "operator:test",
            username="officer",
            full_name="Officer",
            agency_code="msp",
            roles=["requester"],
        )
        update_user(session, "operator:test", user.id, email=" officer@msp.example ")
    with pytest.raises(Refused), transaction(sessions) as session:
        update_user(session, "operator:test", user.id, email="x@y.example\nBcc: z@y.example")
    with sessions() as session:
        assert session.get_one(User, user.id).email == "officer@msp.example"
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.updated")
        ).all()
        assert entry.details["after"] == {"email": "officer@msp.example"}
    with transaction(sessions) as session:
        update_user(session, "operator:test", user.id, email="")
    with sessions() as session:
        assert session.get_one(User, user.id).email is None
