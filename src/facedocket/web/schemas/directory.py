"""Agencies, users and the signed-in user's own account (password, tokens, second factor)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from facedocket import limits
from facedocket.cases.directory import AGENCY_CODE, USERNAME_RULE, checked_username
from facedocket.cases.schemas import PLAIN, line
from facedocket.kernel.roles import Role
from facedocket.web.schemas.common import FullName, Public, Rank, Strict

Username = Annotated[
    str,
    StringConstraints(max_length=4 * limits.USERNAME),  # NFKC may shorten it; not lengthen 4x
    AfterValidator(checked_username),
    Field(description=USERNAME_RULE + "; stored NFKC-normalised and case-folded"),
]
AgencyCode = Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class AgencyCreate(Strict):
    code: AgencyCode
    name: Annotated[str, line(limits.AGENCY_NAME), PLAIN]


class AgencyPublic(Public):
    id: int
    code: str
    name: str
    created_at: datetime


class UserCreate(Strict):
    username: Username
    full_name: FullName
    agency_code: AgencyCode
    roles: list[Role] = Field(min_length=1, max_length=6)
    rank: Rank = ""
    password: Password | None = Field(
        default=None, description="An initial password; the user can change it."
    )


class UserUpdate(Strict):
    full_name: FullName | None = None
    rank: Rank | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=6)
    active: bool | None = None


class UserPublic(Public):
    id: int
    username: str
    full_name: str
    rank: str
    agency_code: str
    roles: list[str]
    active: bool
    has_password: bool
    totp_enabled: bool
    locked_until: datetime | None = Field(
        description="While failed sign-ins lock the name: when the lock lifts on its own "
        "(an administrator can lift it sooner: DELETE /users/{id}/lock)."
    )


class PasswordSet(Strict):
    password: Password


class PasswordChange(Strict):
    current_password: Password
    new_password: Password


class TokenCreate(Strict):
    name: Annotated[str, line(limits.TOKEN_NAME), PLAIN]
    days: int = Field(
        default=90, ge=1, le=366, description="Days until it expires (at most the setting)."
    )
    scope: Literal["full", "read"] = Field(
        default="full", description="'read': the token may only read (GET), e.g. for audits."
    )


class TokenPublic(Public):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    scope: str


class SessionPublic(Public):
    id: int
    remote: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class Unlocked(Public):
    failures_cleared: int = Field(description="How many recent failed sign-ins were cleared.")


class SessionsEnded(Public):
    web_sessions: int = Field(description="How many open browser sessions ended.")


class TokenCreated(Public):
    token: str = Field(description="The secret, shown this once; send it as a Bearer token.")
    details: TokenPublic


class TotpStartPublic(Public):
    secret: str
    uri: str


class TotpCode(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9 ]{6,7}$")]


class PasskeyPublic(Public):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class PasskeyCreate(Strict):
    name: Annotated[str, line(limits.TOKEN_NAME), PLAIN]
    credential: dict[str, Any] = Field(
        description="What navigator.credentials.create() returned, as its toJSON() gives it."
    )


class RecoveryCodes(Public):
    codes: list[str] = Field(description="Ten one-time codes, shown this once.")


class MappingCreate(Strict):
    provider: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,30}$")]
    value: Annotated[str, line(200), PLAIN] = Field(description="A value of the claim.")
    role: Role
    agency_code: AgencyCode


class MappingPublic(Public):
    id: int
    provider: str
    value: str
    role: str
    agency_code: str
    created_at: datetime
