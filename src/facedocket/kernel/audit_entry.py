"""Writing a request's actions on the audit record, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.kernel.actors import Actor
from facedocket.kernel.roles import Role
from facedocket.policy import Policy
from facedocket.store.schema import AuditEntry


def log(
    session: Session,
    actor: Actor,
    role: Role | str,
    action: str,
    request_id: int,
    details: dict[str, Any] | None = None,
    policy: Policy | None = None,
) -> AuditEntry:
    return append(
        session,
        actor=actor.username,
        role=str(role),
        action=action,
        subject_type="request",
        subject_id=request_id,
        details={"agency": actor.agency_code, **(details or {})},
        policy=policy,
    )
