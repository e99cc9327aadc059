"""The algorithm register (requirement 17): which model files exist, how accurate they
measured, and who approved them for searches, when.

A model is its file: the register names the row ``face_models`` keeps for each exact
file (name, version, SHA-256), so a retrained or altered file is a different model and
needs its own approval. Only a model with measured accuracy can be approved: a policy
that demands approved software means tested software. A model registered before it was
measured gets its figures attached later (``attach_accuracy``), until it is approved:
an approval stands on the figures it was given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.governance.access import acting_role, sentence
from facedocket.governance.accuracy import MeasuredAccuracy
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.store.locks import lock_row
from facedocket.store.schema import FaceModelRecord, ModelRegistration

REGISTER_ROLES = (Role.ADMINISTRATOR,)


def register_model(
    session: Session, actor: Actor, model: FaceModelRecord, accuracy: MeasuredAccuracy
) -> ModelRegistration:
    """Enter a model file in the register with the accuracy measured for it."""
    role = acting_role(actor, REGISTER_ROLES, "register a model")
    if registration_of(session, model.id) is not None:
        raise Refused(
            f"{model.name} {model.version} is in the register already (model {model.id}); "
            f"attach measured figures with `facedocket models accuracy {model.id} --accuracy "
            "FILE`",
            code=RefusalCode.EXISTS,
        )
    row = ModelRegistration(
        model_id=model.id,
        accuracy=accuracy.as_dict(),
        accuracy_sha256=accuracy.sha256,
        registered_by_id=actor.user_id,
        registered_at=clock.now(),
    )
    session.add(row)
    session.flush()
    log_model(session, actor, role, "model.registered", model, {"accuracy": accuracy.as_dict()})
    return row


def attach_accuracy(
    session: Session, actor: Actor, model_id: int, accuracy: MeasuredAccuracy
) -> ModelRegistration:
    """Attach measured figures to a registered model not yet approved; on the record."""
    role = acting_role(actor, REGISTER_ROLES, "attach accuracy figures")
    model, row = registered(session, model_id)
    name = f"{model.name} {model.version}"
    if not accuracy.measured:
        raise Refused(
            f"nothing to attach to {name}: {accuracy.note}; run bench/accuracy.py and pass "
            "its results",
            code=RefusalCode.NOT_MEASURED,
        )
    if row.approved_at is not None:
        raise Refused(
            f"{name} was approved on {row.approved_at:%Y-%m-%d} on the figures it had then; "
            "an approved model keeps them",
            code=RefusalCode.APPROVED,
        )
    if row.accuracy.get("measured") and row.accuracy_sha256 == accuracy.sha256:
        raise Refused(
            f"{name} has these figures already (SHA-256 {accuracy.sha256})", code=RefusalCode.EXISTS
        )
    replaced = {"measured": bool(row.accuracy.get("measured")), "sha256": row.accuracy_sha256}
    row.accuracy, row.accuracy_sha256 = accuracy.as_dict(), accuracy.sha256
    log_model(
        session,
        actor,
        role,
        "model.accuracy_attached",
        model,
        {"accuracy": accuracy.as_dict(), "replaced": replaced},
    )
    return row


def approve_model(session: Session, actor: Actor, model_id: int, note: str) -> ModelRegistration:
    """Approve a registered, measured model for searches, with the approver's reasons."""
    role = acting_role(actor, REGISTER_ROLES, "approve a model")
    reasons = sentence(note, "reasons for the approval")
    lock_row(session, FaceModelRecord, model_id)  # one approval, however many approvers
    model, row = registered(session, model_id)
    if row.approved_at is not None:
        raise Refused(
            f"{model.name} {model.version} was approved on {row.approved_at:%Y-%m-%d}",
            code=RefusalCode.APPROVED,
        )
    if not row.accuracy.get("measured"):
        raise Refused(
            f"{model.name} {model.version} has no measured accuracy; only tested software "
            f"is approved: attach the benchmark's results first (`facedocket models accuracy "
            f"{model.id} --accuracy FILE`)",
            code=RefusalCode.NOT_MEASURED,
        )
    row.approved_by_id, row.approved_at, row.approval_note = actor.user_id, clock.now(), reasons
    log_model(session, actor, role, "model.approved", model, {"note": reasons})
    return row


def registered(session: Session, model_id: int) -> tuple[FaceModelRecord, ModelRegistration]:
    model = session.get(FaceModelRecord, model_id)
    row = registration_of(session, model_id)
    if model is None or row is None:
        raise NotFound(f"model {model_id} is not in the register; register it first")
    return model, row


def is_approved(session: Session, model_id: int, at: datetime) -> bool:
    """Was this model file approved at ``at``?"""
    row = registration_of(session, model_id)
    return row is not None and row.approved_at is not None and row.approved_at <= at


def registration_of(session: Session, model_id: int) -> ModelRegistration | None:
    return session.scalar(select(ModelRegistration).where(ModelRegistration.model_id == model_id))


def register(session: Session) -> list[tuple[FaceModelRecord, ModelRegistration | None]]:
    """Every model file used so far, with its registration where it has one."""
    models = session.scalars(select(FaceModelRecord).order_by(FaceModelRecord.id))
    return [(model, registration_of(session, model.id)) for model in models]


def log_model(
    session: Session,
    actor: Actor,
    role: Role,
    action: str,
    model: FaceModelRecord,
    details: dict[str, object],
) -> None:
    append(
        session,
        actor=actor.username,
        role=role.value,
        action=action,
        subject_type="model",
        subject_id=model.id,
        details={
            "agency": actor.agency_code,
            "model": model.name,
            "version": model.version,
            "file_sha256": model.file_sha256,
            **details,
        },
    )
