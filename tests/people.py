"""The administrator the test worlds share, added as an operator adds one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.directory import add_user
from facedocket.store.schema import User


def add_admin(session: Session) -> None:
    """``admin``, an administrator of the state police, unless the world has one already."""
    if session.scalar(select(User.id).where(User.username == "admin")) is None:
        add_user(
            session,
            "operator:test",
            username="admin",
            full_name="Admin",
            agency_code="state-police",
            roles=["administrator"],
        )
