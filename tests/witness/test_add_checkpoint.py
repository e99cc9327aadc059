"""The witness's add-checkpoint decisions (C2SP tlog-witness), on its own store."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.witness.memory_log import ORIGIN, MemoryLog

from facedocket.audit.keys import public_key_text
from facedocket.audit.note import check_cosignature, parse, parse_witness_vkey
from facedocket.witness.protocol import SIZE_TYPE, Answer, add_checkpoint
from facedocket.witness.store import WitnessStore, WitnessStoreError

NAME = "eopss.example/witness"
NOW = 1_790_000_000


@pytest.fixture
def agency() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def store(tmp_path: Path, agency: Ed25519PrivateKey) -> WitnessStore:
    store = WitnessStore(tmp_path / "witness")
    store.init(NAME)
    store.trust(ORIGIN, public_key_text(agency.public_key()))
    return store


def submit(store: WitnessStore, body: bytes) -> Answer:
    return add_checkpoint(store, body, NOW)


def cosigned(store: WitnessStore, log: MemoryLog, answer: Answer, size: int) -> None:
    assert answer.status == 200, answer.body
    note = parse(log.note(size) + answer.body)
    for _, vkey in store.vkeys():
        name, key = parse_witness_vkey(vkey)
        assert check_cosignature(note, name, key) == NOW
    assert store.logs()[0].size == size


def test_first_checkpoint_then_growth_is_cosigned(store: WitnessStore, agency) -> None:
    log = MemoryLog(agency)
    log.append(5)
    cosigned(store, log, submit(store, log.body(0)), 5)
    log.append(8)
    cosigned(store, log, submit(store, log.body(5)), 13)
    # The same checkpoint again (a lost answer): cosigned again, nothing moves.
    cosigned(store, log, submit(store, log.body(13)), 13)
    assert store.conflicts() == []


def test_a_stale_old_size_is_409_with_the_size_cosigned(store: WitnessStore, agency) -> None:
    log = MemoryLog(agency)
    log.append(4)
    submit(store, log.body(0))
    log.append(3)
    for old in (0, 2, 5):
        answer = submit(store, log.body(old))
        assert (answer.status, answer.body, answer.content_type) == (409, "4\n", SIZE_TYPE)
    assert store.logs()[0].size == 4
    assert store.conflicts() == [], "a client that lags is not evidence of anything"


def test_a_rewritten_history_is_refused_and_kept(store: WitnessStore, agency) -> None:
    honest = MemoryLog(agency)
    honest.append(6)
    submit(store, honest.body(0))
    cosigned_note = store.logs()[0].note
    rewritten = MemoryLog(agency)
    rewritten.leaves = list(honest.leaves)
    rewritten.leaves[2] = b"entry 2, rewritten by an insider with the key"
    rewritten.append(4)
    answer = submit(store, rewritten.body(6))
    assert submit(store, rewritten.body(6)) == answer, "a retry is refused the same way"
    assert answer.status == 422
    assert "does not extend the 6 entries cosigned" in answer.body
    assert store.logs()[0].size == 6
    [conflict] = store.conflicts()
    assert conflict.kind == "not_extension"
    assert conflict.cosigned_note == cosigned_note
    assert rewritten.note() in conflict.request


def test_another_root_at_the_same_size_is_a_fork(store: WitnessStore, agency) -> None:
    honest = MemoryLog(agency)
    honest.append(3)
    submit(store, honest.body(0))
    fork = MemoryLog(agency)
    fork.append(2)
    fork.leaves.append(b"another third entry")
    answer = submit(store, fork.body(3))
    assert (answer.status, answer.body) == (409, "3\n")
    assert [c.kind for c in store.conflicts()] == ["fork"]


@pytest.mark.parametrize(("old", "status"), [(8, 400), (5, 409), (0, 409)])
def test_a_smaller_tree_is_a_rollback(store: WitnessStore, agency, old: int, status: int) -> None:
    log = MemoryLog(agency)
    log.append(8)
    submit(store, log.body(0))
    log.leaves = log.leaves[:5]
    note = log.note()
    body = f"old {old}\n\n{note}".encode()
    assert submit(store, body).status == status
    [conflict] = store.conflicts()
    assert conflict.kind == "rollback"
    assert "checkpoint of 5 entries after one of 8" in conflict.reason
    assert store.logs()[0].size == 8


def test_a_proof_of_the_wrong_hashes_is_422(store: WitnessStore, agency) -> None:
    log = MemoryLog(agency)
    log.append(3)
    submit(store, log.body(0))
    log.append(3)
    forged = [bytes(32)] * len(log.proof(3, 6))
    assert submit(store, log.body(3, proof=forged)).status == 422
    assert submit(store, log.body(3, proof=[])).status == 422
    assert store.logs()[0].size == 3


def test_unknown_log_and_untrusted_key(store: WitnessStore, agency) -> None:
    stranger = MemoryLog(agency, origin="other.example/log")
    stranger.append(2)
    assert submit(store, stranger.body(0)).status == 404
    impostor = MemoryLog(Ed25519PrivateKey.generate())
    impostor.append(2)
    answer = submit(store, impostor.body(0))
    assert answer.status == 403
    assert store.logs()[0].size == 0
    assert store.conflicts() == [], "a note nobody trusted signed is no evidence"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"old 0\n", "no empty line"),
        (b"old 01\n\n", "'old <size>'"),
        (b"old -1\n\n", "'old <size>'"),
        (b"new 0\n\n", "'old <size>'"),
        (b"old 0\nAAAA\n\n", "not a 32-byte hash"),
        (b"old 0\n!!!!\n\n", "not base64"),
        (b"old 3\n" + base64.b64encode(bytes(31)) + b"\n\n", "32-byte hash"),
        (b"old 0\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\n", "more than 63"),
        (b"old 0\n\n\xff\xfe", "not UTF-8"),
        (b"old 0\n\nnot a note", "not a signed note"),
        (b"x" * (64 * 1024 + 1), "over 65536 bytes"),
    ],
)
def test_malformed_requests_are_400(store: WitnessStore, body: bytes, said: str) -> None:
    answer = submit(store, body)
    assert answer.status == 400
    assert said in answer.body


def test_a_proof_from_size_zero_is_refused(store: WitnessStore, agency) -> None:
    log = MemoryLog(agency)
    log.append(4)
    proof = log.proof(2, 4)
    assert "must be empty" in submit(store, log.body(0, proof=proof)).body


def test_witness_key_rotation(store: WitnessStore, agency) -> None:
    log = MemoryLog(agency)
    log.append(2)
    first = submit(store, log.body(0))
    [(old_key, old_vkey)] = store.vkeys()
    store.add_key()
    log.append(2)
    both = submit(store, log.body(2))
    assert both.body.count("\n") == 2
    cosigned(store, log, both, 4)
    store.retire_key(old_key.key_id)
    log.append(1)
    newest = submit(store, log.body(4))
    assert newest.body.count("\n") == 1
    name, key = parse_witness_vkey(old_vkey)
    assert check_cosignature(parse(log.note(2) + first.body), name, key) == NOW
    with pytest.raises(ValueError, match="no cosignature"):
        check_cosignature(parse(log.note(5) + newest.body), name, key)
    assert not (store.root / "keys" / f"{old_key.key_id}.key").exists()
    [active] = [found for found in store.witness_keys() if found.retired_at is None]
    with pytest.raises(WitnessStoreError, match="last active key"):
        store.retire_key(active.key_id)
    with pytest.raises(WitnessStoreError, match="no active witness key"):
        store.retire_key(old_key.key_id)


def test_the_agency_key_rotates(store: WitnessStore, agency) -> None:
    log = MemoryLog(agency)
    log.append(2)
    submit(store, log.body(0))
    new_key = Ed25519PrivateKey.generate()
    log.key = new_key
    log.append(1)
    assert submit(store, log.body(2)).status == 403
    store.trust(ORIGIN, public_key_text(new_key.public_key()))
    assert submit(store, log.body(2)).status == 200


def test_store_refusals(tmp_path: Path) -> None:
    store = WitnessStore(tmp_path / "w")
    with pytest.raises(WitnessStoreError, match="witness init"):
        store.name()
    with pytest.raises(WitnessStoreError, match="no spaces"):
        store.init("two words")
    store.init(NAME)
    with pytest.raises(WitnessStoreError, match="already holds a witness"):
        store.init(NAME)
    [key] = store.witness_keys()
    (tmp_path / "w" / "keys" / f"{key.key_id}.key").chmod(0o644)
    with pytest.raises(WitnessStoreError, match="lets others read it"):
        store.signing_keys()
