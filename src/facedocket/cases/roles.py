"""The roles of the people who use FaceDocket, and who acts for whom."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    REQUESTER = "requester"
    INTAKE_REVIEWER = "intake_reviewer"
    EXAMINER = "examiner"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


# The roles that see faces or cases (an administrator manages people and galleries).
CASE_ROLES = (Role.REQUESTER, Role.INTAKE_REVIEWER, Role.EXAMINER, Role.SUPERVISOR, Role.AUDITOR)


@dataclass(frozen=True)
class Actor:
    """The person acting, as the record will name them."""

    user_id: int
    username: str
    full_name: str
    rank: str
    agency_id: int
    agency_code: str
    roles: frozenset[str]

    def has(self, role: Role) -> bool:
        return role.value in self.roles

    def role_for(self, *roles: Role) -> Role | None:
        """The first of ``roles`` this actor holds: the capacity the record names."""
        return next((role for role in roles if self.has(role)), None)
