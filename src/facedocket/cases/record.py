"""Writing a request's actions on the audit record, in the caller's transaction, and
signing the record after a search."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from facedocket.audit import AuditError, AuditKeyError, append, checkpoint, signing_key
from facedocket.cases.errors import Refused
from facedocket.cases.roles import Actor, Role
from facedocket.policy import Policy
from facedocket.settings import Settings
from facedocket.store.schema import AuditCheckpoint, AuditEntry


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


def sign_after_search(session: Session, settings: Settings) -> AuditCheckpoint:
    """Sign the record up to the search just recorded, in the search's transaction.

    A search is the action the law watches most, so none commits without a signature over
    it: a rewrite that recomputes the chain afterwards no longer matches. A record that
    does not verify is not signed, and the search is refused with it.
    """
    return sign_record(session, settings, "the search is not run")


def sign_record(session: Session, settings: Settings, refused: str) -> AuditCheckpoint:
    """A checkpoint with this deployment's key, or a refusal saying why there can be none.

    A record that does not verify with the key, as after the signing key was changed
    (older checkpoints name the previous key), is never signed: the refusal names the
    checkpoint and the key rather than failing as a server error.
    """
    try:
        return checkpoint(session, signing_key(settings), origin=settings.audit_origin)
    except (AuditError, AuditKeyError) as error:
        raise Refused(
            f"{refused}: the record cannot be signed ({error})", code="record_not_signed"
        ) from None
