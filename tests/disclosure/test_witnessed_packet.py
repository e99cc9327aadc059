"""A packet sealed while a real witness process runs carries its cosignature; with the
witness down it carries the nearest cosigned checkpoint and the proof between, and the
offline check says exactly how far the witness vouches. A tampered cosignature fails."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.audit.witnessed import witness_store
from tests.cases.conftest import World
from tests.disclosure.test_binding import named, rezipped, runner
from tests.disclosure.test_disclosure import key
from tests.witness.process import free_port, witness_process

from facedocket.audit import append, checkpoint, public_key_text, signing_key
from facedocket.audit.note import parse, parse_witness_vkey
from facedocket.audit.witnesses import configured, submit_all
from facedocket.cli import app
from facedocket.disclosure.packet import export_packet, seal
from facedocket.disclosure.verify import PacketCheck, verify_packet
from facedocket.kernel.actors import load_actor
from facedocket.reports.files import read_zip
from facedocket.settings import WitnessSetting
from facedocket.store.schema import AuditCheckpoint


@dataclass
class Witnessing:
    world: World
    case: int
    vkey: str
    folder: Path
    port: int

    @property
    def name(self) -> str:
        return parse_witness_vkey(self.vkey)[0]

    def check(self, data: bytes) -> PacketCheck:
        return verify_packet(data, key(self.world), [parse_witness_vkey(self.vkey)])

    def packet(self) -> tuple[bytes, list[str]]:
        """Seal the case (asking the witness), then make the packet: it, and what was said."""
        world = self.world
        outcomes = seal(world.sessions, world.settings, "auditor", self.case)
        with world.sessions.begin() as session:
            actor = load_actor(session, "auditor")
            data = export_packet(session, world.settings, actor, self.case, self.folder / "a.json")
        return data, [str(outcome) for outcome in outcomes]

    def cosign_newest(self) -> None:
        """A checkpoint of the record as it stands, cosigned (a search elsewhere, say)."""
        with self.world.sessions.begin() as session:
            checkpoint(session, signing_key(self.world.settings))
        [outcome] = submit_all(self.world.sessions, configured(self.world.settings), 10)
        assert outcome.problem is None, outcome

    def entry(self, about_the_case: bool) -> None:
        subject = ("request", str(self.case)) if about_the_case else ("record", "audit")
        with self.world.sessions.begin() as session:
            append(
                session,
                actor="auditor",
                role="auditor",
                action="results.viewed" if about_the_case else "record.viewed",
                subject_type=subject[0],
                subject_id=subject[1],
                details={},
            )


@pytest.fixture
def witnessing(world: World, case: int, tmp_path: Path) -> Witnessing:
    port = free_port()
    _, vkey = witness_store(tmp_path / "witness", signing_key(world.settings))
    world.settings = world.settings.model_copy(
        update={
            "witnesses": [WitnessSetting(url=f"http://127.0.0.1:{port}", key=vkey)],
            "witness_timeout_seconds": 0.5,
        }
    )
    return Witnessing(world, case, vkey, tmp_path, port)


def test_a_sealed_packet_carries_the_witness_cosignature(
    witnessing: Witnessing, tmp_path: Path
) -> None:
    with witness_process(tmp_path / "witness", port=witnessing.port):
        data, said = witnessing.packet()
    assert said == [f"witness {witnessing.name}: cosigned entries 1 to {_sealed(data)}"]
    files = read_zip(data)
    assert f"\u2014 {witnessing.name} " in files["record/checkpoint.note"].decode()
    stated = json.loads(files["record/witnessed.json"])
    assert stated["statement"] == f"cosigned by {witnessing.name}"
    assert stated["witnesses"] == [
        {"witness": witnessing.name, "cosigned": True, "last_answer": None}
    ]
    assert "other_checkpoint" not in stated
    check = witnessing.check(data)
    assert check.ok, check.problems
    assert check.witnesses == [witnessing.name]
    assert check.witnessing == [
        f"witness {witnessing.name} cosigned the packet's checkpoint (entry {_sealed(data)})"
    ]
    result = _verify_command(witnessing, data, tmp_path)
    assert result.exit_code == 0, result.output
    assert "cosigned the packet's checkpoint" in " ".join(result.output.split())


def test_with_the_witness_down_the_packet_says_how_far_it_is_witnessed(
    witnessing: Witnessing, tmp_path: Path
) -> None:
    with witness_process(tmp_path / "witness", port=witnessing.port):
        witnessing.cosign_newest()
    with witnessing.world.sessions() as session:
        cosigned = session.scalar(select(func.max(AuditCheckpoint.seq)))
    witnessing.entry(about_the_case=True)
    data, said = witnessing.packet()  # the witness is down now
    [answer] = said
    assert "NOT cosigned: not reached" in answer
    sealed = _sealed(data)
    stated = json.loads(read_zip(data)["record/witnessed.json"])
    assert parse(stated["other_checkpoint"]).size == cosigned < sealed
    assert f"entries after {cosigned} are NOT WITNESSED yet" in stated["statement"]
    assert stated["witnesses"][0]["cosigned"] is False
    assert "not reached" in stated["witnesses"][0]["last_answer"]
    entries = [json.loads(line) for line in read_zip(data)["record/entries.jsonl"].splitlines()]
    after = [str(e["seq"]) for e in entries if e["seq"] > cosigned]
    assert len(after) == 2, "the entry viewed after the cosigned checkpoint, and the seal"
    check = witnessing.check(data)
    named(
        check.problems,
        f"witness {witnessing.name} has not cosigned the packet's checkpoint (entry {sealed}); "
        f"it cosigned the checkpoint at entry {cosigned}, which this one extends "
        f"(consistency proof checked): entries 1 to {cosigned} are witnessed, entries "
        f"{cosigned + 1} to {sealed} are NOT WITNESSED yet (of this case: {', '.join(after)})",
    )
    assert len(check.problems) == 1, check.problems
    assert verify_packet(data, key(witnessing.world)).ok, "intact, though not all witnessed"
    result = _verify_command(witnessing, data, tmp_path)
    assert result.exit_code == 1 and "NOT WITNESSED yet" in " ".join(result.output.split())
    # A proof in witnessed.json that does not lead from the cosigned checkpoint fails.
    files = read_zip(data)
    stated["consistency_proof"] = list(reversed(stated["consistency_proof"]))
    if len(stated["consistency_proof"]) < 2:
        stated["consistency_proof"] = [base64.b64encode(bytes(32)).decode()]
    broken = rezipped(files, {"record/witnessed.json": json.dumps(stated).encode()})
    named(witnessing.check(broken).problems, "record/witnessed.json: the other checkpoint:")


def test_a_later_cosigned_checkpoint_witnesses_every_entry(
    witnessing: Witnessing, tmp_path: Path
) -> None:
    world = witnessing.world
    said = seal(world.sessions, world.settings, "auditor", witnessing.case)  # witness down
    assert said[0].problem is not None
    witnessing.entry(about_the_case=False)  # another case's entry, say
    with witness_process(tmp_path / "witness", port=witnessing.port):
        witnessing.cosign_newest()  # a later checkpoint, cosigned, before the packet is made
    with world.sessions.begin() as session:
        actor = load_actor(session, "auditor")
        data = export_packet(session, world.settings, actor, witnessing.case, tmp_path / "a.json")
    stated = json.loads(read_zip(data)["record/witnessed.json"])
    later = parse(stated["other_checkpoint"]).size
    assert later > _sealed(data)
    assert stated["statement"].endswith("extends it: every entry of this packet is witnessed")
    check = witnessing.check(data)
    assert check.ok, check.problems
    assert check.witnesses == [witnessing.name]
    [words] = check.witnessing
    assert f"but cosigned the one at entry {later}, which extends it" in words


def test_a_packet_no_witness_ever_cosigned_says_so(witnessing: Witnessing) -> None:
    data, said = witnessing.packet()
    assert "not reached" in said[0]
    stated = json.loads(read_zip(data)["record/witnessed.json"])
    assert stated["statement"].startswith("NOT WITNESSED: no witness has cosigned")
    named(
        witnessing.check(data).problems,
        f"witness {witnessing.name} has not cosigned the packet's checkpoint",
        "the packet holds no other checkpoint a witness cosigned",
        "NOT WITNESSED by it (the agency's last answer from it: not reached",
    )


def test_a_tampered_cosignature_fails(witnessing: Witnessing, tmp_path: Path) -> None:
    with witness_process(tmp_path / "witness", port=witnessing.port):
        data, _ = witnessing.packet()
    files = read_zip(data)
    note = files["record/checkpoint.note"].decode()
    *kept, line = note.splitlines(keepends=True)
    dash, name, signature = line.split(" ")
    assert name == witnessing.name
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 0x01  # the Ed25519 signature, key id and timestamp kept
    forged = "".join(kept) + f"{dash} {name} {base64.b64encode(bytes(raw)).decode()}\n"
    changed = rezipped(files, {"record/checkpoint.note": forged.encode()})
    check = witnessing.check(changed)
    named(
        check.problems,
        f"record/checkpoint.note: the cosignature of witness {witnessing.name} does not "
        "verify: it was forged or altered",
    )
    assert verify_packet(changed, key(witnessing.world)).ok, "the agency's signature holds"


def _sealed(data: bytes) -> int:
    return int(json.loads(read_zip(data)["record/checkpoint.json"])["seq"])


def _verify_command(witnessing: Witnessing, data: bytes, folder: Path):  # type: ignore[no-untyped-def]
    path = folder / "packet.zip"
    path.write_bytes(data)
    arguments = ["disclosure", "verify", str(path), "--offline"]
    arguments += ["--public-key", public_key_text(key(witnessing.world))]
    return runner.invoke(app, [*arguments, "--witness-key", witnessing.vkey])
