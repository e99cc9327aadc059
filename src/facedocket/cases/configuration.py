"""The gate's settings on the record: no search runs under settings the record lacks.

What decides a search's outcome besides the request (the policy pack in force, the
model, the threshold, the index and its search breadth, the detector's upsampling) lives in
the deployment's environment and the shipped packs, not in the database, so it changes when
the service restarts with other values. The gate therefore compares what it is about to
use with the last ``settings.gate_changed`` entry and, where anything differs (or nothing
was recorded yet), records the new settings first, in the search's transaction, naming the
entry they replace. Model approvals are recorded where they are made (``model.approved``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.operator import OPERATOR_ROLE, operator
from facedocket.policy import Policy
from facedocket.settings import Settings
from facedocket.store.locks import lock_row
from facedocket.store.schema import AuditEntry, AuditHead, FaceModelRecord

ACTION = "settings.gate_changed"


def gate_settings(
    settings: Settings, policy: Policy, model: FaceModelRecord, threshold: float
) -> dict[str, Any]:
    """What the gate searches with, as the record holds it (scores as strings)."""
    pack = json.dumps(policy.model_dump(mode="json"), sort_keys=True).encode()
    configured = settings.match_threshold
    return {
        "policy": f"{policy.id} {policy.version}",
        "policy_sha256": hashlib.sha256(pack).hexdigest(),
        "model": f"{model.name} {model.version}",
        "model_sha256": model.file_sha256,
        "match_threshold_setting": None if configured is None else f"{configured:.4f}",
        "threshold": f"{threshold:.4f}",
        "index": settings.index_backend,
        "hnsw_ef_search": settings.hnsw_ef_search,
        "max_upsample": settings.max_upsample,
    }


def record_gate_settings(session: Session, current: dict[str, Any]) -> AuditEntry | None:
    """Record ``current`` if it differs from the last recorded gate settings; else None.

    Unchanged settings (nearly every search) are seen without a lock. A change is
    checked again under the audit head's lock, so two first searches under new settings,
    in two processes, record them once.
    """
    if _same(_last(session), current):
        return None
    lock_row(session, AuditHead, 1)
    last = _last(session)
    if _same(last, current):
        return None
    changed = (
        sorted(k for k in current if last.details.get("settings", {}).get(k) != current[k])
        if last is not None
        else sorted(current)
    )
    return append(
        session,
        actor=operator(),
        role=OPERATOR_ROLE,
        action=ACTION,
        subject_type="settings",
        subject_id="gate",
        details={
            "settings": current,
            "changed": changed,
            "replaces": last.seq if last is not None else None,
        },
    )


def _last(session: Session) -> AuditEntry | None:
    return session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == ACTION)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )


def _same(last: AuditEntry | None, current: dict[str, Any]) -> bool:
    return last is not None and last.details.get("settings") == current
