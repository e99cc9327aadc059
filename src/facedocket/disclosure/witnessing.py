"""What each witness vouches for in a packet, checked offline.

For each witness key the verifier gives, one of:

- its cosignature is on ``record/checkpoint.note``, the checkpoint every proof of the
  packet leads to: every entry of the packet is witnessed;
- it is on the other checkpoint of ``record/witnessed.json``, a later one, and the RFC
  9162 consistency proof shows that one extends the packet's: every entry is witnessed
  too (the witness cosigned a tree that holds the packet's tree unchanged);
- it is on an earlier one that the packet's checkpoint extends: the entries up to it are
  witnessed, those after it are NOT yet, which is a problem and names the case's entries
  left unwitnessed;
- neither: the packet is not witnessed by it, a problem.

A cosignature that is there but does not verify was forged or altered: a problem,
whatever else the packet holds. The agency's own statement in ``witnessed.json`` (who it
asked, what they answered) is shown, never relied on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from facedocket.audit.merkle import ProofError, verify_consistency
from facedocket.audit.note import (
    COSIGNATURE,
    Checkpoint,
    NoteError,
    check_cosignature,
    check_signature,
    key_id,
    parse,
)
from facedocket.audit.proofs import Witness, decode_hashes
from facedocket.reports.files import Files

WITNESSED = "record/witnessed.json"


@dataclass
class Witnessing:
    problems: list[str] = field(default_factory=list)
    # The witnesses whose cosignature covers every entry of the packet.
    witnessed: list[str] = field(default_factory=list)
    # What each witness key given vouches for, in words.
    statements: list[str] = field(default_factory=list)
    # What the agency wrote in witnessed.json, unchecked.
    said: str | None = None


def check_witnesses(
    files: Files,
    note: Checkpoint,
    key: Ed25519PublicKey | None,
    witnesses: Sequence[Witness],
    case_entries: Sequence[int],
) -> Witnessing:
    result = Witnessing()
    stated = _statement(result, files)
    other: Checkpoint | str | None = None  # read once, when a witness needs it
    for name, witness in witnesses:
        if _cosigned(result, note, name, witness, "record/checkpoint.note"):
            result.witnessed.append(name)
            result.statements.append(
                f"witness {name} cosigned the packet's checkpoint (entry {note.size})"
            )
            continue
        if other is None:
            other = _other(result, stated, note, key)
        if isinstance(other, str):
            answer = _answer(stated, name)
            result.problems.append(
                f"witness {name} has not cosigned the packet's checkpoint (entry {note.size}) "
                f"and {other}: the packet is NOT WITNESSED by it{answer}"
            )
            continue
        if not _cosigned(result, other, name, witness, f"{WITNESSED} other_checkpoint"):
            answer = _answer(stated, name)
            result.problems.append(
                f"witness {name} has cosigned neither the packet's checkpoint (entry "
                f"{note.size}) nor the other one in {WITNESSED} (entry {other.size}): the "
                f"packet is NOT WITNESSED by it{answer}"
            )
        elif other.size >= note.size:
            result.witnessed.append(name)
            result.statements.append(
                f"witness {name} did not cosign the packet's checkpoint (entry {note.size}) "
                f"but cosigned the one at entry {other.size}, which extends it (consistency "
                "proof checked): every entry of the packet is witnessed"
            )
        else:
            after = [seq for seq in case_entries if seq > other.size]
            result.problems.append(
                f"witness {name} has not cosigned the packet's checkpoint (entry {note.size}); "
                f"it cosigned the checkpoint at entry {other.size}, which this one extends "
                f"(consistency proof checked): entries 1 to {other.size} are witnessed, "
                f"entries {other.size + 1} to {note.size} are NOT WITNESSED yet (of this "
                f"case: {', '.join(map(str, after)) or 'none'})"
            )
    return result


def _cosigned(
    result: Witnessing, note: Checkpoint, name: str, witness: Ed25519PublicKey, where: str
) -> bool:
    """Whether ``note`` carries the witness's cosignature; one that fails is a problem."""
    wanted = key_id(name, witness, COSIGNATURE)
    if not any(signer == name and raw[:4] == wanted for signer, raw in note.signatures):
        return False
    try:
        check_cosignature(note, name, witness)
    except NoteError as error:
        result.problems.append(f"{where}: {error}: it was forged or altered")
        return False
    return True


def _statement(result: Witnessing, files: Files) -> Mapping[str, Any]:
    if WITNESSED not in files:  # format v2 packets have none
        return {}
    try:
        stated = json.loads(files[WITNESSED])
    except (ValueError, RecursionError):
        stated = None
    if not isinstance(stated, dict):
        result.problems.append(f"{WITNESSED}: not a JSON object")
        return {}
    said = stated.get("statement")
    result.said = said if isinstance(said, str) else None
    return stated


def _other(
    result: Witnessing, stated: Mapping[str, Any], note: Checkpoint, key: Ed25519PublicKey | None
) -> Checkpoint | str:
    """The other checkpoint of witnessed.json, its consistency with ``note`` checked; else
    why there is none to rely on."""
    text = stated.get("other_checkpoint")
    if text is None:
        return "the packet holds no other checkpoint a witness cosigned"
    try:
        if not isinstance(text, str):
            raise NoteError("not a checkpoint note")
        other = parse(text)
        if key is not None:
            check_signature(other, other.origin, key)
        if other.origin != note.origin:
            raise NoteError(f"a checkpoint of another log ({other.origin})")
        low, high = sorted((other, note), key=lambda checkpoint: checkpoint.size)
        proof = decode_hashes(stated.get("consistency_proof"))
        verify_consistency(low.size, high.size, low.root, high.root, proof)
    except (NoteError, ProofError) as error:
        result.problems.append(f"{WITNESSED}: the other checkpoint: {error}")
        return f"the other checkpoint in {WITNESSED} does not hold ({error})"
    return other


def _answer(stated: Mapping[str, Any], name: str) -> str:
    """What the agency says the witness last answered it, if it says."""
    listing = stated.get("witnesses")
    for listed in listing if isinstance(listing, list) else []:
        if isinstance(listed, dict) and listed.get("witness") == name:
            answer = listed.get("last_answer")
            if isinstance(answer, str):
                return f" (the agency's last answer from it: {answer})"
    return ""
