"""Signing the audit record: after every search, and when oversight asks for a checkpoint."""

from __future__ import annotations

from sqlalchemy.orm import Session

from facedocket.audit import AuditError, AuditKeyError, checkpoint, signing_key
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.settings import Settings
from facedocket.store.schema import AuditCheckpoint


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
            f"{refused}: the record cannot be signed ({error})", code=RefusalCode.RECORD_NOT_SIGNED
        ) from None
