"""Agencies and users: who exists and in which roles, changed only on the record."""

from __future__ import annotations

import re
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket import limits
from facedocket.audit import append
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.store.locks import lock_name
from facedocket.store.schema import Agency, User, UserRole

# These patterns are also the pages' ``pattern`` attributes, which a browser compiles with
# the ``v`` flag: there a '-' in a class must be escaped, so it is, in both places.
AGENCY_CODE = re.compile(rf"^[a-z0-9][a-z0-9\-]{{0,{limits.AGENCY_CODE - 1}}}$")
USERNAME = re.compile(rf"[a-z0-9][a-z0-9._\-]{{1,{limits.USERNAME - 1}}}")
USERNAME_RULE = (
    f"a username is 2 to {limits.USERNAME} of the letters a-z, digits, '.', '_' and '-', "
    "starting with a letter or digit"
)


def normal_username(text: str) -> str:
    """A name as it is stored, looked up and throttled: NFKC, then case-folded.

    So 'Officer', 'OFFICER' and 'ｏｆｆｉｃｅｒ' (full width) are one name, 'officer', and
    two accounts can never share a sign-in throttle's count; what is left outside plain
    ASCII (a dotless 'ı', a space) is refused by ``checked_username``, not folded away.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).strip()


def checked_username(text: str) -> str:
    """The normal form of a valid username, else ``ValueError`` saying what one is.

    The one rule for the API's schema, the administrator's page and the CLI.
    """
    name = normal_username(text)
    if not USERNAME.fullmatch(name):
        raise ValueError(USERNAME_RULE)
    return name


def checked_email(text: str) -> str:
    """A plain address (``name@domain``) that notices can be mailed to, else ``Refused``.

    Parsed by the standard library's header parser, so what it would have to fold or
    quote, a display name, a second address or a line break, is refused, not mangled.
    """
    value = text.strip()
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError, HeaderParseError):
        address = None
    if (
        address is None
        or not address.username
        or "." not in address.domain
        or str(address) != value
        or len(value) > limits.EMAIL
    ):
        raise Refused(
            f"email {value[:60]!r}: one plain address like name@agency.gov, up to "
            f"{limits.EMAIL} characters",
            code=RefusalCode.INVALID,
        )
    return value


def _line(field: str, value: str, limit: int, *, required: bool = True) -> str:
    try:
        return limits.checked_line(field, value, limit, required=required)
    except ValueError as error:
        raise Refused(str(error), code=RefusalCode.INVALID) from None


def add_agency(session: Session, by: str, code: str, name: str) -> Agency:
    """An agency, known by a short code; policies name searching bodies by that code."""
    if not AGENCY_CODE.match(code):
        raise Refused(
            f"agency code {code!r}: lower-case letters, digits and dashes, "
            f"up to {limits.AGENCY_CODE}",
            code=RefusalCode.INVALID,
        )
    name = _line("name", name, limits.AGENCY_NAME)
    if session.scalar(select(Agency).where(Agency.code == code)) is not None:
        raise Refused(f"an agency with code {code!r} exists already", code=RefusalCode.EXISTS)
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
    try:
        username = checked_username(username)
    except ValueError as error:
        raise Refused(f"username {username!r}: {error}", code=RefusalCode.INVALID) from None
    full_name = _line("full_name", full_name, limits.FULL_NAME)
    rank = _line("rank", rank, limits.RANK, required=False)
    _check_roles(roles)
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise Refused(f"no agency with code {agency_code!r}", code=RefusalCode.UNKNOWN_BODY)
    # Locked, so two administrators adding one name at once get one user and one clear
    # refusal rather than a unique-constraint failure.
    lock_name(session, "username", username)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Refused(f"a user called {username!r} exists already", code=RefusalCode.EXISTS)
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
    email: str | None = None,
) -> User:
    """Change a user's name, rank, roles, standing or mail address ("" removes it); the
    record keeps before and after.

    Locked first, so two administrators removing each other at once leave one.
    """
    lock_name(session, "administrators", "all")
    user = get_user(session, user_id)
    before = _described(user)
    had_administrator = _administrators_left(session)
    if full_name is not None:
        user.full_name = _line("full_name", full_name, limits.FULL_NAME)
    if rank is not None:
        user.rank = _line("rank", rank, limits.RANK, required=False)
    if roles is not None:
        _check_roles(roles)
        kept = {row.role: row for row in user.role_rows}
        user.role_rows = [kept.get(role) or UserRole(role=role) for role in sorted(set(roles))]
    if active is not None:
        user.active = active
    if email is not None:
        user.email = checked_email(email) if email else None
    session.flush()
    if had_administrator and not _administrators_left(session):
        raise Refused(
            "that would leave no active administrator", code=RefusalCode.LAST_ADMINISTRATOR
        )
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
            f"roles are {', '.join(r.value for r in Role)}",
            code=RefusalCode.INVALID,
        )


def _described(user: User) -> dict[str, Any]:
    return {
        "full_name": user.full_name,
        "rank": user.rank,
        "roles": sorted(user.roles),
        "active": user.active,
        "email": user.email,
    }


def _administrators_left(session: Session) -> bool:
    found = session.scalar(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMINISTRATOR.value, User.active.is_(True))
        .limit(1)
    )
    return found is not None
