"""The roles of the people who use FaceDocket."""

from __future__ import annotations

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
