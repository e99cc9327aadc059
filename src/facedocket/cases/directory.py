"""Agencies and users: who exists and in which roles, changed only on the record."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.cases.errors import NotFound, Refused
from facedocket.cases.roles import Role
from facedocket.store.locks import lock_name
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
    _check_roles(roles)
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise Refused(f"no agency with code {agency_code!r}")
    # Locked, so two administrators adding one name at once get one user and one clear
    # refusal rather than a unique-constraint failure.
    lock_name(session, "username", username)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Refused(f"a user called {username!r} exists already", code="exists")
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


def update_user(
    session: Session,
    by: str,
    user_id: int,
    *,
    full_name: str | None = None,
    rank: str | None = None,
    roles: list[str] | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's name, rank, roles or standing; the record keeps before and after.

    Locked first, so two administrators removing each other at once leave one.
    """
    lock_name(session, "administrators", "all")
    user = get_user(session, user_id)
    before = _described(user)
    had_administrator = _administrators_left(session)
    if full_name is not None:
        if not full_name.strip():
            raise Refused("a user needs a full name")
        user.full_name = full_name.strip()
    if rank is not None:
        user.rank = rank.strip()
    if roles is not None:
        _check_roles(roles)
        kept = {row.role: row for row in user.role_rows}
        user.role_rows = [kept.get(role) or UserRole(role=role) for role in sorted(set(roles))]
    if active is not None:
        user.active = active
    session.flush()
    if had_administrator and not _administrators_left(session):
        raise Refused("that would leave no active administrator", code="last_administrator")
    after = _described(user)
    append(
        session,
        actor=by,
        role=Role.ADMINISTRATOR.value,
        action="user.updated",
        subject_type="user",
        subject_id=user.id,
        details={
            "username": user.username,
            "before": {k: v for k, v in before.items() if after[k] != v},
            "after": {k: v for k, v in after.items() if before[k] != v},
        },
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def _check_roles(roles: list[str]) -> None:
    unknown = sorted(set(roles) - {r.value for r in Role})
    if unknown or not roles:
        raise Refused(
            f"unknown role(s) {', '.join(unknown) or '(none given)'}; "
            f"roles are {', '.join(r.value for r in Role)}"
        )


def _described(user: User) -> dict[str, Any]:
    return {
        "full_name": user.full_name,
        "rank": user.rank,
        "roles": sorted(user.roles),
        "active": user.active,
    }


def _administrators_left(session: Session) -> bool:
    found = session.scalar(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMINISTRATOR.value, User.active.is_(True))
        .limit(1)
    )
    return found is not None
