"""Agencies and users, for administrators."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from facedocket.accounts import standing
from facedocket.accounts.passwords import has_password, set_password
from facedocket.accounts.throttle import name_lock, unlock
from facedocket.accounts.totp import reset_totp, totp_enabled
from facedocket.accounts.web_sessions import open_web_sessions
from facedocket.cases.directory import (
    add_agency,
    add_user,
    get_user,
    list_agencies,
    list_users,
)
from facedocket.store.schema import User
from facedocket.store.schema.base import utcnow
from facedocket.web.deps import Administrator, ReadSession, ServicesDep, WriteSession
from facedocket.web.schemas.common import Id
from facedocket.web.schemas.directory import (
    AgencyCreate,
    AgencyPublic,
    PasswordSet,
    SessionPublic,
    SessionsEnded,
    Unlocked,
    UserCreate,
    UserPublic,
    UserUpdate,
)

router = APIRouter(tags=["directory"])


def user_public(session: Session, user: User) -> UserPublic:
    lock = name_lock(session, user.username, utcnow())
    return UserPublic(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        rank=user.rank,
        agency_code=user.agency.code,
        roles=sorted(user.roles),
        active=user.active,
        has_password=has_password(session, user.id),
        totp_enabled=totp_enabled(session, user.id),
        locked_until=lock.until if lock else None,
    )


@router.get("/agencies")
def agencies(session: ReadSession, admin: Administrator) -> list[AgencyPublic]:
    return [AgencyPublic.model_validate(a) for a in list_agencies(session)]


@router.post("/agencies", status_code=201)
def create_agency(session: WriteSession, admin: Administrator, body: AgencyCreate) -> AgencyPublic:
    agency = add_agency(session, admin.actor.username, body.code, body.name)
    return AgencyPublic.model_validate(agency)


@router.get("/users")
def users(session: ReadSession, admin: Administrator) -> list[UserPublic]:
    return [user_public(session, u) for u in list_users(session)]


@router.post("/users", status_code=201)
def create_user(session: WriteSession, admin: Administrator, body: UserCreate) -> UserPublic:
    user = add_user(
        session,
        admin.actor.username,
        username=body.username,
        full_name=body.full_name,
        agency_code=body.agency_code,
        roles=[role.value for role in body.roles],
        rank=body.rank,
    )
    if body.password is not None:
        by = admin.actor.username
        set_password(session, user, body.password, by=by, role="administrator", temporary=True)
    return user_public(session, user)


@router.get("/users/{user_id}")
def user(session: ReadSession, admin: Administrator, user_id: Id) -> UserPublic:
    return user_public(session, get_user(session, user_id))


@router.patch("/users/{user_id}")
def change_user(
    session: WriteSession, admin: Administrator, user_id: Id, body: UserUpdate
) -> UserPublic:
    changed = standing.change_user(
        session,
        admin.actor.username,
        user_id,
        utcnow(),
        full_name=body.full_name,
        rank=body.rank,
        roles=[role.value for role in body.roles] if body.roles is not None else None,
        active=body.active,
    )
    return user_public(session, changed)


@router.put("/users/{user_id}/password", status_code=204)
def reset_password(
    session: WriteSession, admin: Administrator, user_id: Id, body: PasswordSet
) -> None:
    """Set a user's password (a new user, or one who forgot); every session and API token
    of theirs ends."""
    target = get_user(session, user_id)
    standing.reset_password(session, target, body.password, by=admin.actor.username, at=utcnow())


@router.delete("/users/{user_id}/lock")
def unlock_user(session: WriteSession, admin: Administrator, user_id: Id) -> Unlocked:
    """Let a user whose name failed sign-ins locked sign in again now, on the record
    (the refused sign-ins stay on it)."""
    target = get_user(session, user_id)
    cleared = unlock(session, target, admin.actor.username, "administrator", utcnow())
    return Unlocked(failures_cleared=cleared)


@router.delete("/users/{user_id}/totp", status_code=204)
def remove_second_factor(session: WriteSession, admin: Administrator, user_id: Id) -> None:
    """Remove a lost second factor, so the user can set up a new one."""
    reset_totp(session, get_user(session, user_id), admin.actor.username)


@router.get("/users/{user_id}/sessions")
def sessions(
    session: ReadSession, app: ServicesDep, admin: Administrator, user_id: Id
) -> list[SessionPublic]:
    """The user's open browser sessions: where from, since when, last used."""
    found = get_user(session, user_id)
    live = open_web_sessions(session, app.settings, found.id, utcnow())
    return [SessionPublic.model_validate(row) for row in live]


@router.delete("/users/{user_id}/sessions")
def end_sessions(session: WriteSession, admin: Administrator, user_id: Id) -> SessionsEnded:
    """Sign the user out of every browser (their API tokens stay)."""
    target = get_user(session, user_id)
    ended = standing.end_sessions(session, target, utcnow(), by=admin.actor.username)
    return SessionsEnded(web_sessions=ended)


@router.delete("/users/{user_id}/sessions/{session_id}", status_code=204)
def end_session(session: WriteSession, admin: Administrator, user_id: Id, session_id: Id) -> None:
    target = get_user(session, user_id)
    standing.end_sessions(session, target, utcnow(), by=admin.actor.username, only=session_id)
