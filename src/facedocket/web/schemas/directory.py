"""Agencies, users and the signed-in user's own account (password, tokens, second factor)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from facedocket.cases.roles import Role
from facedocket.web.schemas.common import Name, Public, Rank, Strict

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,99}$")]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class AgencyCreate(Strict):
    code: AgencyCode
    name: Name


class AgencyPublic(Public):
    id: int
    code: str
    name: str
    created_at: datetime


class UserCreate(Strict):
    username: Username
    full_name: Name
    agency_code: AgencyCode
    roles: list[Role] = Field(min_length=1, max_length=6)
    rank: Rank = ""
    password: Password | None = Field(
        default=None, description="An initial password; the user can change it."
    )


class UserUpdate(Strict):
    full_name: Name | None = None
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
    name: Name
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
