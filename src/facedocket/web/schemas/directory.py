"""Agencies, users and the signed-in user's own account (password, tokens, second factor)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from facedocket import limits
from facedocket.cases.directory import AGENCY_CODE, USERNAME_RULE, checked_username
from facedocket.cases.roles import Role
from facedocket.cases.schemas import PLAIN, line
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


class PasswordSet(Strict):
    password: Password


class PasswordChange(Strict):
    current_password: Password
    new_password: Password


class TokenCreate(Strict):
    name: Annotated[str, line(limits.TOKEN_NAME), PLAIN]
    days: int | None = Field(default=90, ge=1, le=366, description="None: never expires.")


class TokenPublic(Public):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(Public):
    token: str = Field(description="The secret, shown this once; send it as a Bearer token.")
    details: TokenPublic


class TotpStartPublic(Public):
    secret: str
    uri: str


class TotpCode(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9 ]{6,7}$")]
