"""The agency's record submitted to a real witness process, and the insider it catches.

Each test starts ``facedocket witness serve`` as a process of its own on loopback. An
insider with the agency's key and the database rewrites history and signs it: the witness
refuses the next checkpoint, keeps both as evidence, and the checkpoint it cosigned
earlier, in anyone's hands, proves the rewrite (no consistency proof leads from it to the
new tree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import fill
from tests.audit.witnessed import Entries, Witnessed, rewrite_history, witnessed
from tests.witness.process import free_port

from facedocket.audit import AuditError, checkpoint, export_checkpoints, verify
from facedocket.audit.gaps import gaps
from facedocket.audit.log import stored_checkpoints, stored_entries
from facedocket.audit.merkle import ProofError
from facedocket.audit.note import check_cosignature, parse
from facedocket.audit.proofs import check_proof_file, prove_entry, prove_growth
from facedocket.audit.witnesses import Witness, submit

TIMEOUT = 10.0


@pytest.fixture
def setup(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey, tmp_path: Path
) -> Iterator[Witnessed]:
    yield from witnessed(engine, sessions, key, tmp_path)


def signed(setup: Witnessed, entries: int) -> None:
    fill(setup.sessions, entries, start=100 + entries)
    with setup.sessions.begin() as session:
        checkpoint(session, setup.key)


def kept_note(setup: Witnessed) -> str:
    """The newest checkpoint note as the record gives it out, cosignatures included."""
    with setup.sessions() as session:
        note = stored_checkpoints(session)[-1]["note"]
    assert isinstance(note, str)
    return note


def test_checkpoints_are_cosigned_and_carry_the_cosignature(setup: Witnessed) -> None:
    signed(setup, 5)
    first = submit(setup.sessions, setup.witness, TIMEOUT)
    assert (first.cosigned, first.problem) == (5, None)
    assert submit(setup.sessions, setup.witness, TIMEOUT).problem is None  # nothing new
    signed(setup, 4)
    second = submit(setup.sessions, setup.witness, TIMEOUT)
    assert (second.cosigned, second.problem) == (9, None)
    assert setup.store.logs()[0].size == 9
    note = parse(kept_note(setup))
    assert check_cosignature(note, setup.witness.name, setup.witness.key) > 0
    with setup.sessions() as session:
        exported = b"".join(export_checkpoints(session)).decode()
        assert exported.count("\u2014 eopss.example/witness ") == 2
        proof = prove_entry(session, 3)
        [gap] = gaps(session, [setup.witness])
        assert verify(session, setup.key.public_key()).ok
    witnesses = [(setup.witness.name, setup.witness.key)]
    assert "cosigned by eopss.example/witness" in check_proof_file(
        proof, setup.key.public_key(), witnesses
    )
    assert (gap.cosigned, gap.behind, gap.open) == (9, 0, False)


def test_the_cosignatures_are_append_only(setup: Witnessed) -> None:
    signed(setup, 2)
    submit(setup.sessions, setup.witness, TIMEOUT)
    for statement in ("UPDATE audit_cosignatures SET line = 'x'", "DELETE FROM audit_cosignatures"):
        with pytest.raises(DBAPIError, match="append-only"), setup.engine.begin() as connection:
            connection.execute(text(statement))


def changed(entries: Entries) -> Entries:
    entries[2] = {**entries[2], "actor": "someone.else"}
    return entries


def deleted(entries: Entries) -> Entries:
    return entries[:3] + entries[4:]


def inserted(entries: Entries) -> Entries:
    return [*entries[:3], {**entries[3], "action": "request.withdrawn"}, *entries[3:]]


def reordered(entries: Entries) -> Entries:
    entries[1], entries[4] = entries[4], entries[1]
    return entries


def truncated(entries: Entries) -> Entries:
    return entries[:5]


ATTACKS: dict[str, tuple[Callable[[Entries], Entries], int, str, str, tuple[str, int]]] = {
    # attack: (rewrite, entries added after it, what the agency hears, the witness's
    # evidence, the refusal on the agency's record: kind and HTTP status)
    "one entry rewritten": (changed, 2, "HTTP 422", "not_extension", ("inconsistent", 422)),
    "one entry rewritten, no growth": (changed, 0, "a fork", "fork", ("fork", 409)),
    "one entry deleted": (deleted, 3, "HTTP 422", "not_extension", ("inconsistent", 422)),
    "one entry inserted": (inserted, 0, "HTTP 422", "not_extension", ("inconsistent", 422)),
    "two entries swapped": (reordered, 0, "a fork", "fork", ("fork", 409)),
    "the tail cut off": (truncated, 0, "rolled back", "rollback", ("rollback", 409)),
}


def refusals(setup: Witnessed) -> list[dict[str, object]]:
    """The witness.refused entries on the agency's record, oldest first."""
    with setup.sessions() as session:
        found = stored_entries(session, subject=("witness", setup.witness.name))
        return [entry for entry in found if entry["action"] == "witness.refused"]


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_an_insider_rewrite_is_refused_and_proven(setup: Witnessed, attack: str) -> None:
    change, grown, heard, evidence, (kind, status) = ATTACKS[attack]
    signed(setup, 9)
    assert submit(setup.sessions, setup.witness, TIMEOUT).problem is None
    cosigned = kept_note(setup)  # what the oversight office, a court or a defendant kept
    rewrite_history(setup, change)
    if grown:
        signed(setup, grown)
    with setup.sessions() as session:
        assert verify(session, setup.key.public_key()).ok, "the rewrite is perfect on its own"
        submitted = stored_checkpoints(session)[-1]["seq"]
    refused = submit(setup.sessions, setup.witness, TIMEOUT)
    assert refused.problem is not None and heard in refused.problem, refused
    [entry] = refusals(setup)
    assert (entry["actor"], entry["role"]) == ("facedocket.witnessing", "service")
    assert entry["details"] == {
        "witness": setup.witness.name,
        "url": setup.witness.url,
        "kind": kind,
        "status": status,
        "size": submitted,
        "witness_size": 9,
        "reason": refused.problem,
    }
    [conflict] = setup.store.conflicts()
    assert conflict.kind == evidence
    assert conflict.cosigned_note is not None and conflict.cosigned_note in cosigned
    assert setup.store.logs()[0].size == 9, "the witness still holds the honest size"
    with setup.sessions() as session:
        [gap] = gaps(session, [setup.witness])
        assert gap.open and gap.problem == refused.problem
        if evidence == "rollback":
            with pytest.raises(AuditError, match="no signed checkpoint covers entry 9"):
                prove_growth(session, cosigned)
            return
        growth = prove_growth(session, cosigned)
    with pytest.raises(ProofError):
        check_proof_file(growth, setup.key.public_key())
    note = parse(cosigned)
    assert check_cosignature(note, setup.witness.name, setup.witness.key) > 0


@pytest.mark.parametrize("attack", ["one entry rewritten, no growth", "the tail cut off"])
def test_a_refusal_is_recorded_once_not_on_every_retry(setup: Witnessed, attack: str) -> None:
    signed(setup, 9)
    assert submit(setup.sessions, setup.witness, TIMEOUT).problem is None
    rewrite_history(setup, ATTACKS[attack][0])
    assert submit(setup.sessions, setup.witness, TIMEOUT).refusal is not None
    assert submit(setup.sessions, setup.witness, TIMEOUT).refusal is not None  # a retry
    assert len(refusals(setup)) == 1
    # Each new checkpoint (the refusal's entry is in it) is refused again: at most one new
    # kind of refusal (the fork, once the tree grew, fails the consistency proof), and
    # then none, however often the agency tries.
    counts = []
    for _ in range(3):
        with setup.sessions.begin() as session:
            checkpoint(session, setup.key)
        assert submit(setup.sessions, setup.witness, TIMEOUT).refusal is not None
        counts.append(len(refusals(setup)))
    assert counts[0] <= 2 and counts[1:] == [counts[0]] * 2, counts
    with setup.sessions() as session:
        assert verify(session, setup.key.public_key()).ok


def test_a_witness_that_is_down_leaves_a_gap(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    down = Witness("down.example/witness", key.public_key(), f"http://127.0.0.1:{free_port()}")
    outcome = submit(sessions, down, 0.5)
    assert outcome.problem is not None and outcome.problem.startswith("not reached")
    with sessions() as session:
        [gap] = gaps(session, [down])
    assert (gap.cosigned, gap.behind, gap.open) == (0, 3, True)
    assert "GAP of 3 entries" in str(gap) and "not reached" in str(gap)
    assert outcome.refusal is None, "a witness that is down refused nothing"
    with sessions() as session:
        assert not [e for e in stored_entries(session) if e["action"] == "witness.refused"]


def test_answers_that_are_not_cosignatures(setup: Witnessed) -> None:
    signed(setup, 2)
    impostor = Witness(
        setup.witness.name, Ed25519PrivateKey.generate().public_key(), setup.witness.url
    )
    outcome = submit(setup.sessions, impostor, TIMEOUT)
    assert outcome.problem == "answered 200 without a cosignature that verifies with its key"
    wrong_path = Witness(setup.witness.name, setup.witness.key, setup.witness.url + "/nowhere")
    assert "HTTP 404" in (submit(setup.sessions, wrong_path, TIMEOUT).problem or "")
    with setup.sessions() as session:
        assert gaps(session, [setup.witness])[0].cosigned == 0
