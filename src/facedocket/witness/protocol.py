"""``add-checkpoint`` of C2SP tlog-witness: the checks, in the order the spec gives them.

The request body is ``old <size>``, up to 63 consistency-proof lines (base64 hashes), an
empty line, and the checkpoint note. The answers:

- 400: a malformed body, a proof sent with ``old 0``, or an old size above the new one;
- 404: a log (origin) this witness was not told to witness;
- 403: no signature on the note verifies with a key trusted for that origin;
- 409 with ``text/x.tlog.size`` (the size this witness last cosigned): the old size is not
  that size, or the same size comes with another root hash;
- 422: the consistency proof does not prove that the new tree extends the cosigned one;
- 200: the cosignature lines, one per active witness key, after the new size and root are
  stored.

Whenever a checkpoint the agency really signed contradicts the one cosigned before (a
smaller tree, another root at the same size, a proof that fails), the request is kept as
evidence beside the cosigned checkpoint, whatever the answer (``conflicts``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from facedocket.audit.merkle import ProofError, verify_consistency
from facedocket.audit.note import (
    Checkpoint,
    NoteError,
    check_signature,
    cosignature_line,
    parse,
)
from facedocket.witness.store import LogState, WitnessStore, keep_conflict, log_state, remember

MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"
TEXT = "text/plain; charset=utf-8"
_OLD = re.compile(r"old (0|[1-9][0-9]{0,18})")


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = TEXT


def add_checkpoint(store: WitnessStore, body: bytes, timestamp: int) -> Answer:
    """Decide one submission; see the module's docstring for the answers."""
    try:
        old, proof, note_text = parse_request(body)
        checkpoint = parse(note_text)
    except (ValueError, NoteError) as error:
        return Answer(400, f"{error}\n")
    name, keys = store.name(), store.signing_keys()
    with store.decision() as db:
        state = log_state(db, checkpoint.origin)
        if state is None:
            return Answer(404, f"this witness does not witness the log {checkpoint.origin}\n")
        if not _signed(checkpoint, state):
            return Answer(403, f"no signature by a key trusted for {checkpoint.origin}\n")
        refusal = _refusal(state, old, proof, checkpoint)
        if refusal is not None:
            answer, evidence = refusal
            if evidence is not None:
                kind, reason = evidence
                keep_conflict(db, state, kind, reason, body.decode())
            return answer
        remember(db, checkpoint.origin, checkpoint.size, checkpoint.root, note_text)
    return Answer(200, "".join(cosignature_line(checkpoint.body, name, k, timestamp) for k in keys))


def _refusal(
    state: LogState, old: int, proof: list[bytes], checkpoint: Checkpoint
) -> tuple[Answer, tuple[str, str] | None] | None:
    """Why the checkpoint is not cosigned, and (kind, reason) where it is evidence."""
    known = f"{state.size}\n"
    if checkpoint.size < state.size:
        reason = (
            f"rollback: a checkpoint of {checkpoint.size} entries after one of "
            f"{state.size} entries was cosigned"
        )
        answer = (
            Answer(400, reason + "\n") if old > checkpoint.size else Answer(409, known, SIZE_TYPE)
        )
        return answer, ("rollback", reason)
    if old > checkpoint.size:
        return Answer(400, f"old size {old} is above the checkpoint's {checkpoint.size}\n"), None
    if old != state.size:
        return Answer(409, known, SIZE_TYPE), None
    if old == checkpoint.size:
        if state.root is not None and checkpoint.root != state.root:
            reason = f"fork: another root hash for the {old} entries cosigned"
            return Answer(409, known, SIZE_TYPE), ("fork", reason)
        return None
    if old > 0:
        assert state.root is not None  # a size above 0 is stored with its root
        try:
            verify_consistency(old, checkpoint.size, state.root, checkpoint.root, proof)
        except ProofError as error:
            reason = (
                f"not an extension: the checkpoint of {checkpoint.size} entries does not "
                f"extend the {old} entries cosigned ({error})"
            )
            return Answer(422, reason + "\n"), ("not_extension", reason)
    return None


def parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    """(old size, proof hashes, checkpoint note) of an add-checkpoint body, or ValueError."""
    if len(body) > MAX_BODY:
        raise ValueError(f"the request is over {MAX_BODY} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the request is not UTF-8") from None
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise ValueError("no empty line between the old size and proof and the checkpoint")
    lines = head.split("\n")
    found = _OLD.fullmatch(lines[0])
    if found is None:
        raise ValueError("the first line must be 'old <size>' (decimal, no leading zeroes)")
    old = int(found[1])
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"proof line {line[:60]!r} is not base64") from None
        if len(value) != 32:
            raise ValueError(f"proof line {line[:60]!r} is not a 32-byte hash")
        proof.append(value)
    if old == 0 and proof:
        raise ValueError("a consistency proof from size 0 must be empty")
    return old, proof, note


def _signed(checkpoint: Checkpoint, state: LogState) -> bool:
    for key in state.keys:
        try:
            check_signature(checkpoint, state.origin, key)
        except NoteError:
            continue
        return True
    return False
