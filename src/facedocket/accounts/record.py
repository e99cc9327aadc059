"""Account changes on the audit record: a new password, token or second factor is an
action like any other, and the record names who made it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from facedocket.audit import append

SELF = "self"  # the role the record names when a user changes their own account


def log_account(
    session: Session,
    by: str,
    role: str,
    action: str,
    user_id: int,
    details: dict[str, Any] | None = None,
) -> None:
    append(
        session,
        actor=by,
        role=role,
        action=action,
        subject_type="user",
        subject_id=user_id,
        details=details or {},
    )
