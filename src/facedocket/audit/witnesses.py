"""Submitting the newest checkpoint to the witnesses this agency configured, and the gaps.

Each configured witness (``FACEDOCKET_WITNESSES``: its URL and C2SP verifier key) gets
the newest signed checkpoint note with a consistency proof from the size it last cosigned
(C2SP tlog-witness ``add-checkpoint``). Its cosignature lines are checked with its key and
stored (``audit_cosignatures``), and every checkpoint read from the store carries them
(``AuditCheckpoint.cosigned_note``), so exports, proofs and disclosure packets show who
cosigned.

Submission happens after a search has committed (the web routes in the background, the
command after its transaction) and on a schedule (``facedocket audit witness``), each
with a short timeout: a witness that is down never stops or fails a search. It leaves a
gap instead: checkpoints it has not cosigned, with its last answer
(``audit_witness_status``), shown on the auditor's verification page, in ``audit verify``
and in the compliance report (``audit.gaps``). The database is not held while a witness
is asked.
"""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit.log import head
from facedocket.audit.note import COSIGNATURE, NoteError, check_cosignature, key_id, parse
from facedocket.audit.note import parse_witness_vkey as parse_vkey
from facedocket.audit.refusals import Refusal, record_refusal
from facedocket.audit.tree import consistency_proof
from facedocket.settings import Settings
from facedocket.store.locks import lock_name
from facedocket.store.schema import AuditCheckpoint, AuditCosignature, WitnessStatus
from facedocket.store.schema.base import utcnow

log = logging.getLogger(__name__)
SIZE_TYPE = "text/x.tlog.size"
MAX_ANSWER = 64 * 1024
ATTEMPTS = 3


@dataclass(frozen=True)
class Witness:
    name: str
    key: Ed25519PublicKey
    url: str

    @property
    def key_id(self) -> str:
        return key_id(self.name, self.key, COSIGNATURE).hex()


@dataclass(frozen=True)
class Outcome:
    """What one witness said: the size it has cosigned now, or why it did not cosign."""

    witness: str
    cosigned: int
    problem: str | None
    refusal: Refusal | None = None  # the witness refused the checkpoint (not: it was down)

    def __str__(self) -> str:
        if self.problem is None:
            return f"witness {self.witness}: cosigned entries 1 to {self.cosigned}"
        return f"witness {self.witness}: NOT cosigned: {self.problem}"


def configured(settings: Settings) -> list[Witness]:
    """The witnesses of ``FACEDOCKET_WITNESSES`` (validated when the settings were read)."""
    found = []
    for entry in settings.witnesses:
        name, key = parse_vkey(entry.key)
        found.append(Witness(name, key, entry.url.rstrip("/")))
    return found


def submit_after_search(sessions: sessionmaker[Session], settings: Settings) -> list[Outcome]:
    """The submission a search triggers, once it has committed: never raises."""
    witnesses = configured(settings)
    if not witnesses:
        return []
    try:
        outcomes = submit_all(sessions, witnesses, settings.witness_timeout_seconds)
    except Exception:  # a witness must never fail a search that has happened
        log.exception("submitting the checkpoint to the witnesses failed")
        return []
    for outcome in outcomes:
        if outcome.problem is not None:
            log.warning("%s", outcome)
    return outcomes


def submit_all(
    sessions: sessionmaker[Session], witnesses: Sequence[Witness], timeout: float
) -> list[Outcome]:
    return [submit(sessions, witness, timeout) for witness in witnesses]


def submit(sessions: sessionmaker[Session], witness: Witness, timeout: float) -> Outcome:
    """Have ``witness`` cosign the newest checkpoint; the outcome is stored as its status."""
    known: int | None = None
    outcome: Outcome | None = None
    for _ in range(ATTEMPTS):
        with sessions() as session:
            newest = _newest(session)
            if newest is None:
                return Outcome(witness.name, 0, "no checkpoint is signed yet")
            checkpoint_id, size, note = newest.id, newest.seq, newest.note or ""
            if _cosigned_by(session, checkpoint_id, witness):
                return Outcome(witness.name, size, None)
            old = cosigned_size(session, witness.name) if known is None else known
            if old > size:
                entries = head(session)[0]
                if entries >= old:
                    outcome = Outcome(
                        witness.name,
                        old,
                        f"the witness has cosigned {old} entries, past the newest "
                        f"checkpoint here ({size}); another process submitted a newer one",
                    )
                    break
                outcome = Outcome(
                    witness.name,
                    old,
                    f"the witness has cosigned {old} entries but the record holds "
                    f"{entries}: the record was cut back (rolled back)",
                    # Only what the witness answered is its refusal, not this store's rows.
                    None if known is None else Refusal("rollback", 409, size, old),
                )
                break
            proof = consistency_proof(session, old, size) if 0 < old < size else []
        status, kind, text = _post(witness.url, _request(old, proof, note), timeout)
        if status == 409 and kind == SIZE_TYPE and text.strip().isdigit():
            if int(text) == old:
                outcome = Outcome(
                    witness.name,
                    old,
                    f"the witness cosigned another tree of {old} entries: the record "
                    "was rewritten (a fork)",
                    Refusal("fork", 409, size, old),
                )
                break
            known = int(text)  # it cosigned more (or less) than this record knows: ask again
            continue
        outcome = _answered(sessions, witness, (checkpoint_id, size, note), old, status, text)
        break
    if outcome is None:
        outcome = Outcome(
            witness.name,
            known or 0,
            "the witness kept answering 409",
            Refusal("conflict", 409, size, known or 0),
        )
    _remember(sessions, witness, outcome)
    return outcome


def cosigned_size(session: Session, witness: str) -> int:
    """Entries covered by the newest checkpoint ``witness`` cosigned (0: none)."""
    found = session.scalar(
        select(func.max(AuditCheckpoint.seq))
        .join(AuditCosignature, AuditCosignature.checkpoint_id == AuditCheckpoint.id)
        .where(AuditCosignature.witness == witness)
    )
    return int(found or 0)


def _newest(session: Session) -> AuditCheckpoint | None:
    return session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.note.is_not(None))
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        .limit(1)
    )


def _cosigned_by(session: Session, checkpoint_id: int, witness: Witness) -> bool:
    found = session.scalar(
        select(AuditCosignature.id).where(
            AuditCosignature.checkpoint_id == checkpoint_id,
            AuditCosignature.witness == witness.name,
            AuditCosignature.key_id == witness.key_id,
        )
    )
    return found is not None


def _request(old: int, proof: Sequence[bytes], note: str) -> bytes:
    lines = "".join(base64.b64encode(digest).decode() + "\n" for digest in proof)
    return f"old {old}\n{lines}\n{note}".encode()


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, str]:
    """(status, content type, text) of the witness's answer; status 0 if none came."""
    # The settings admit http and https URLs only, never file: or another scheme.
    request = urllib.request.Request(  # noqa: S310
        f"{url}/add-checkpoint", data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.headers.get_content_type(), _text(answer.read(MAX_ANSWER))
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), _text(error.read(MAX_ANSWER))
    except (OSError, ValueError) as error:  # refused, unreachable, timed out, bad URL
        return 0, "", f"not reached ({type(error).__name__}: {error})"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _answered(
    sessions: sessionmaker[Session],
    witness: Witness,
    submitted: tuple[int, int, str],
    old: int,
    status: int,
    text: str,
) -> Outcome:
    """What the witness's answer to ``submitted`` (checkpoint id, size, note) means."""
    checkpoint_id, size, note = submitted
    if status == 0:
        return Outcome(witness.name, 0, text)
    if status != 200:
        said = " ".join(text.split())[:300]
        # A 4xx answer is the witness refusing this checkpoint; a 5xx, the witness failing.
        refusal = Refusal.answered(status, size, old) if 400 <= status < 500 else None
        return Outcome(witness.name, 0, f"refused with HTTP {status}: {said}", refusal)
    lines = [line + "\n" for line in text.split("\n") if line]
    good = []
    for line in lines:
        try:
            timestamp = check_cosignature(parse(note + line), witness.name, witness.key)
        except NoteError:
            continue  # a line of another key: ignored, as the protocol says
        good.append((line, timestamp))
    if not good:
        return Outcome(
            witness.name, 0, "answered 200 without a cosignature that verifies with its key"
        )
    line, timestamp = good[0]
    try:
        with sessions.begin() as session:
            session.add(
                AuditCosignature(
                    checkpoint_id=checkpoint_id,
                    witness=witness.name,
                    key_id=witness.key_id,
                    line=line,
                    cosigned_at=datetime.fromtimestamp(timestamp, UTC),
                    received_at=utcnow(),
                )
            )
    except IntegrityError:
        pass  # another process stored this witness's cosignature of it first
    return Outcome(witness.name, size, None)


def _remember(sessions: sessionmaker[Session], witness: Witness, outcome: Outcome) -> None:
    """The witness's status, and its refusal on the record (once: ``audit.refusals``)."""
    for _ in range(2):  # two first submissions at once both insert: the second updates
        try:
            with sessions.begin() as session:
                lock_name(session, "witness", witness.name)
                if outcome.refusal is not None and outcome.problem is not None:
                    record_refusal(
                        session, witness.name, witness.url, outcome.refusal, outcome.problem
                    )
                status = session.get(
                    WitnessStatus, witness.name, populate_existing=True
                ) or WitnessStatus(witness=witness.name)
                status.url, status.tried_at, status.problem = witness.url, utcnow(), outcome.problem
                session.add(status)
            return
        except IntegrityError:
            continue
