"""Disclosure packets: what they hold, that they verify offline, and that tampering shows."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from tests.cases.conftest import World
from tests.records import BENCH

from facedocket.audit import checkpoint, signing_key, verify
from facedocket.audit.canonical import entry_hash
from facedocket.disclosure.packet import export_packet
from facedocket.disclosure.verify import verify_packet
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import Refused
from facedocket.reports.files import read_zip, with_manifest, zip_bytes
from facedocket.store.schema import AuditEntry, Candidate, Search


def packet(world: World, number: int, accuracy: Path, user: str = "auditor") -> bytes:
    with world.sessions.begin() as session:
        return export_packet(session, world.settings, load_actor(session, user), number, accuracy)


def key(world: World):  # type: ignore[no-untyped-def]
    return signing_key(world.settings).public_key()


def rebuilt(files: dict[str, bytes], name: str, content: bytes) -> bytes:
    """The packet with one file changed and the manifest rewritten to match."""
    assert name in files
    changed = {n: c for n, c in files.items() if n != "manifest.json"} | {name: content}
    return zip_bytes(
        with_manifest(changed, {"request": json.loads(files["manifest.json"])["about"]["request"]})
    )


def test_the_packet_holds_the_case_and_verifies(world: World, case: int, tmp_path: Path) -> None:
    data = packet(world, case, tmp_path / "absent.json")
    files = read_zip(data)
    check = verify_packet(data, key(world))
    assert check.ok, check.problems
    assert check.request == case and check.key.startswith("the key given")
    with world.sessions() as session:
        case_entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject_type == "request", AuditEntry.subject_id == str(case)
            )
        ).all()
        shown = session.scalars(
            select(Candidate).join(Search).where(Search.request_id == case).order_by(Candidate.rank)
        ).all()
        export = case_entries[-1]
    # Every entry of the case but the packet's own production, which came after it.
    assert check.entries == len(case_entries) - 1
    assert export.action == "export.created" and export.details["kind"] == "disclosure"
    searches = json.loads(files["case/searches.json"])
    candidates = searches[0]["candidates"]
    assert [c["rank"] for c in candidates] == [c.rank for c in shown]
    assert all(c["conclusions"] for c in candidates), "every conclusion is in"
    assert searches[0]["model"]["name"] == "dlib-resnet-v1"
    assert searches[0]["threshold"] == f"{world.pipeline.embedder.card.threshold:.4f}"
    accuracy = json.loads(files["case/accuracy.json"])
    assert accuracy["measured"] is False and accuracy["note"].startswith("not measured")
    documents = json.loads(files["case/documents.json"])
    assert {d["kind"] for d in documents} == {"probe", "order"}
    for document in documents:
        assert files[document["in_packet"]] and document["in_packet"].startswith("case/documents/")
    assert json.loads(files["case/basis.json"])["kind"] == "court_order"


def test_same_record_same_bytes(world: World, case: int, tmp_path: Path) -> None:
    with world.sessions.begin() as session:
        checkpoint(session, signing_key(world.settings))
    made = []
    for _ in range(2):
        with world.sessions() as session:
            actor = load_actor(session, "auditor")
            made.append(export_packet(session, world.settings, actor, case, tmp_path / "a.json"))
            session.rollback()
    assert made[0] == made[1]
    names = zipfile.ZipFile(io.BytesIO(made[0])).namelist()
    assert names == sorted(names)
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(made[0])).infolist()} == {
        (1980, 1, 1, 0, 0, 0)
    }


@pytest.mark.parametrize(
    "data",
    [b"not a zip", zip_bytes({"manifest.json": b"{}"}), b"PK\x05\x06" + b"\0" * 18],
)
def test_garbage_is_reported_not_raised(data: bytes) -> None:
    check = verify_packet(data)
    assert not check.ok and check.problems


def test_unsafe_names_in_a_zip_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.txt", b"x")
    assert "unsafe file name" in verify_packet(buffer.getvalue()).problems[0]


def test_the_summary_pdf_renders_with_measured_accuracy(
    world: World, case: int, tmp_path: Path
) -> None:
    results = tmp_path / "accuracy.json"
    results.write_text(json.dumps(BENCH))
    files = read_zip(packet(world, case, results))
    assert json.loads(files["case/accuracy.json"])["identification"]["rank1"] == "0.9131"
    document = pdfium.PdfDocument(files["summary.pdf"])
    pixels = np.asarray(document[0].render(scale=1).to_pil().convert("RGB")).reshape(-1, 3)
    assert (pixels != 255).any(axis=1).mean() > 0.02, "the first page is blank"
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "NOT AN IDENTIFICATION" in text
    assert "1:N identification: rank1 0.9131" in text
    assert "Abdullah Gul" in text


def test_tampering_is_caught(world: World, case: int, tmp_path: Path) -> None:
    data = packet(world, case, tmp_path / "absent.json")
    files = read_zip(data)
    # A file changed without its manifest.
    changed = dict(files)
    changed["case/searches.json"] = files["case/searches.json"].replace(
        b"possible_lead", b"excluded"
    )
    problems = verify_packet(zip_bytes(changed), key(world)).problems
    assert problems[0] == (
        "case/searches.json: its SHA-256 does not match the manifest: it was changed"
    )
    assert "conclusion is 'excluded'" in problems[1] and len(problems) == 2, problems
    # An entry rewritten, the manifest rewritten to match: the entry's hash gives it away.
    lines = files["record/entries.jsonl"].splitlines()
    forged = lines[0].replace(b"Armed robbery", b"Shoplifting")
    assert forged != lines[0]
    check = verify_packet(
        rebuilt(files, "record/entries.jsonl", b"\n".join([forged, *lines[1:]]) + b"\n"),
        key(world),
    )
    assert any("does not match its hash" in p for p in check.problems), check.problems
    # Re-hashed as well: it is no longer in the signed tree.
    entry = json.loads(lines[0])
    entry["details"]["offence"] = "Shoplifting"
    entry["entry_hash"] = entry_hash(entry)
    rehashed = json.dumps(entry).encode()
    check = verify_packet(
        rebuilt(files, "record/entries.jsonl", b"\n".join([rehashed, *lines[1:]]) + b"\n"),
        key(world),
    )
    assert any("is not in the tree the checkpoint signs" in p for p in check.problems), (
        check.problems
    )
    # Another key, and a forged signature.
    stranger = Ed25519PrivateKey.generate().public_key()
    assert any("names key" in p for p in verify_packet(data, stranger).problems)
    signed = json.loads(files["record/checkpoint.json"])
    signed["signature"] = signed["signature"][::-1]
    forged_signature = rebuilt(files, "record/checkpoint.json", json.dumps(signed).encode())
    assert any(
        "signature does not verify" in p
        for p in verify_packet(forged_signature, key(world)).problems
    )
    own = verify_packet(data)
    assert own.ok and own.key.startswith("only the key the packet carries")


def test_only_auditors_and_administrators_make_packets(
    world: World, case: int, tmp_path: Path
) -> None:
    for user in ("examiner", "supervisor", "officer"):
        with pytest.raises(Refused):
            packet(world, case, tmp_path / "absent.json", user)
    packet(world, case, tmp_path / "absent.json", "admin")
    with world.sessions() as session:
        assert verify(session, key(world)).ok
