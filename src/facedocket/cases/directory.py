"""Agencies and users: who exists and in which roles, changed only on the record."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.cases.errors import Refused
from facedocket.cases.roles import Role
from facedocket.store.schema import Agency, User, UserRole

AGENCY_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def add_agency(session: Session, by: str, code: str, name: str) -> Agency:
    """An agency, known by a short code; policies name searching bodies by that code."""
    if not AGENCY_CODE.match(code):
        raise Refused(f"agency code {code!r}: lower-case letters, digits and dashes, up to 63")
    if not name.strip():
        raise Refused("an agency needs its full name")
    if session.scalar(select(Agency).where(Agency.code == code)) is not None:
        raise Refused(f"an agency with code {code!r} exists already")
    agency = Agency(code=code, name=name)
    session.add(agency)
    session.flush()
    append(
        session,
        actor=by,
        role=Role.ADMINISTRATOR.value,
        action="agency.created",
        subject_type="agency",
        subject_id=agency.id,
        details={"code": code, "name": name},
    )
    return agency


def add_user(
    session: Session,
    by: str,
    *,
    username: str,
    full_name: str,
    agency_code: str,
    roles: list[str],
    rank: str = "",
) -> User:
    unknown = sorted(set(roles) - {r.value for r in Role})
    if unknown or not roles:
        raise Refused(
            f"unknown role(s) {', '.join(unknown) or '(none given)'}; "
            f"roles are {', '.join(r.value for r in Role)}"
        )
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise Refused(f"no agency with code {agency_code!r}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Refused(f"a user called {username!r} exists already")
    user = User(
        username=username,
        full_name=full_name,
        rank=rank,
        agency_id=agency.id,
        role_rows=[UserRole(role=role) for role in sorted(set(roles))],
    )
    session.add(user)
    session.flush()
    append(
        session,
        actor=by,
        role=Role.ADMINISTRATOR.value,
        action="user.created",
        subject_type="user",
        subject_id=user.id,
        details={"username": username, "agency": agency_code, "roles": sorted(set(roles))},
    )
    return user
