"""Offline, a packet proves the whole case: each entry in the signed tree, the case's chain
unbroken to the checkpoint's last entry, the checkpoint signed and, if asked, cosigned.
An entry left out or changed, even with the manifest and hashes recomputed, is named."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from tests.cases.conftest import World
from tests.disclosure.test_binding import named, rezipped, runner
from tests.disclosure.test_disclosure import key, packet

from facedocket.audit import public_key_text
from facedocket.audit.canonical import SUBJECT_PREV, entry_hash
from facedocket.audit.note import cosignature_line, parse, witness_vkey
from facedocket.cli import app
from facedocket.disclosure.verify import verify_packet
from facedocket.reports.files import Files, read_zip
from facedocket.store.schema import AuditCheckpoint

WITNESS = "eopss.example/witness"


def _lines(files: Files, name: str) -> list[bytes]:
    return files[name].splitlines(keepends=True)


def _without(files: Files, number: int) -> bytes:
    """The packet without its ``number``-th case entry and that entry's proof."""
    entries, proofs = _lines(files, "record/entries.jsonl"), _lines(files, "record/inclusion.jsonl")
    return rezipped(
        files,
        {
            "record/entries.jsonl": b"".join(entries[:number] + entries[number + 1 :]),
            "record/inclusion.jsonl": b"".join(proofs[:number] + proofs[number + 1 :]),
        },
    )


def test_the_packet_proves_each_entry_under_the_stored_note(
    world: World, case: int, tmp_path: Path
) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    entries = [json.loads(line) for line in _lines(files, "record/entries.jsonl")]
    signed = json.loads(files["record/checkpoint.json"])
    with world.sessions() as session:
        stored = session.scalar(
            select(AuditCheckpoint.note).where(AuditCheckpoint.seq == signed["seq"])
        )
    assert files["record/checkpoint.note"].decode() == stored
    # The newest checkpoint did not end at the case, so the packet sealed the case first.
    assert entries[-1]["action"] == "export.sealed"
    assert entries[-1]["seq"] == signed["seq"] == parse(stored).size
    assert [json.loads(line)["seq"] for line in _lines(files, "record/inclusion.jsonl")] == [
        entry["seq"] for entry in entries
    ]
    assert all(SUBJECT_PREV in entry for entry in entries)
    assert json.loads(files["manifest.json"])["about"]["format"] == "facedocket-disclosure/v3"


def test_an_entry_left_out_is_named(world: World, case: int, tmp_path: Path) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    entries = [json.loads(line) for line in _lines(files, "record/entries.jsonl")]
    # Its proof line kept: the proof names the entry that is gone.
    lines = _lines(files, "record/entries.jsonl")
    kept_proof = rezipped(files, {"record/entries.jsonl": b"".join(lines[:1] + lines[2:])})
    named(
        verify_packet(kept_proof, key(world)).problems,
        f"record/inclusion.jsonl proves entry {entries[1]['seq']}, which the packet does not hold",
    )
    # Its proof removed too: the case's next entry names the gap.
    problems = verify_packet(_without(files, 1), key(world)).problems
    named(
        problems,
        f"entry {entries[2]['seq']} ({entries[2]['action']}) follows another entry",
        f"between {entries[0]['seq']} and {entries[2]['seq']} is missing",
    )
    # The first entry: the next one is no longer the case's first.
    named(
        verify_packet(_without(files, 0), key(world)).problems,
        f"entry {entries[1]['seq']} ({entries[1]['action']}) is not the case's first entry",
    )
    # The last entry: the case ends before the checkpoint does.
    named(
        verify_packet(_without(files, len(entries) - 1), key(world)).problems,
        f"the case's entries end at entry {entries[-2]['seq']} but the checkpoint's tree "
        f"ends at entry {entries[-1]['seq']}",
    )


def test_an_entry_changed_and_rehashed_is_named(world: World, case: int, tmp_path: Path) -> None:
    files = read_zip(packet(world, case, tmp_path / "absent.json"))
    lines = _lines(files, "record/entries.jsonl")
    entry = json.loads(lines[2])
    entry["actor"] = "someone-else"
    entry["entry_hash"] = entry_hash(entry)
    forged = json.dumps(entry).encode() + b"\n"
    data = rezipped(files, {"record/entries.jsonl": b"".join([*lines[:2], forged, *lines[3:]])})
    problems = verify_packet(data, key(world)).problems
    named(problems, f"entry {entry['seq']} ({entry['action']}) is not in the tree")
    following = json.loads(lines[3])
    named(problems, f"entry {following['seq']} ({following['action']}) follows another entry")


def test_witness_keys_need_their_cosignature(world: World, case: int, tmp_path: Path) -> None:
    data = packet(world, case, tmp_path / "absent.json")
    files = read_zip(data)
    witness = Ed25519PrivateKey.generate()
    note = files["record/checkpoint.note"].decode()
    cosigned = note + cosignature_line(parse(note).body, WITNESS, witness, 1_764_750_000)
    good = rezipped(files, {"record/checkpoint.note": cosigned.encode()})
    check = verify_packet(good, key(world), [(WITNESS, witness.public_key())])
    assert check.ok, check.problems
    assert check.witnesses == [WITNESS]
    named(
        verify_packet(data, key(world), [(WITNESS, witness.public_key())]).problems,
        f"witness {WITNESS} has not cosigned the packet's checkpoint",
        "no other checkpoint a witness cosigned",
        "NOT WITNESSED",
    )
    stranger = Ed25519PrivateKey.generate().public_key()
    assert not verify_packet(good, key(world), [(WITNESS, stranger)]).ok
    path = tmp_path / "cosigned.zip"
    path.write_bytes(good)
    arguments = ["disclosure", "verify", str(path), "--offline"]
    arguments += ["--public-key", public_key_text(key(world))]
    result = runner.invoke(
        app, [*arguments, "--witness-key", witness_vkey(WITNESS, witness.public_key())]
    )
    assert result.exit_code == 0, result.output
    assert f"cosigned by {WITNESS}" in " ".join(result.output.split())
    result = runner.invoke(app, [*arguments, "--witness-key", witness_vkey(WITNESS, stranger)])
    assert result.exit_code == 1 and "NOT intact" in result.output
