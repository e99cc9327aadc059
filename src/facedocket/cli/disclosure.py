"""``facedocket disclosure``: make a defendant's packet, and check one offline.

``verify`` needs no database and no FaceDocket deployment: it is the command a defence
lawyer's expert runs on the ZIP, with the agency's public key from the oversight office.
Where the agency's database is reachable (an auditor's or the oversight office's machine)
it also checks the packet against the record: its ``export.created`` entry, and that no
entry of the case was left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from facedocket.audit import AuditKeyError, public_key_from_text
from facedocket.audit.note import NoteError, parse_witness_vkey
from facedocket.cli.context import (
    console,
    errors,
    fail,
    reachable_sessions,
    refusals,
    sessions,
    settings,
)
from facedocket.disclosure.online import RecordCheck, check_against_record
from facedocket.disclosure.packet import export_packet, seal
from facedocket.disclosure.verify import verify_packet
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.reports.files import read_zip, sha256
from facedocket.store.db import transaction

app = typer.Typer(help="Defendant disclosure packets.", no_args_is_help=True)

DEFAULT_ACCURACY = Path("bench/results/accuracy.json")


@app.command("export")
def export(
    user: Annotated[str, typer.Option("--as", help="Username of the person acting.")],
    request_id: Annotated[int, typer.Argument(help="Request number.")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="The ZIP file to write.")],
    accuracy: Annotated[
        Path, typer.Option(dir_okay=False, help="Benchmark results of the model's accuracy.")
    ] = DEFAULT_ACCURACY,
) -> None:
    """Write the disclosure packet of one request (auditors and administrators)."""
    if out.exists():
        fail(f"{out} exists; choose another file name")
    found, config = sessions(), settings()
    with refusals(Refused, NotFound):
        for outcome in seal(found, config, user, request_id):
            (console if outcome.problem is None else errors).print(str(outcome), highlight=False)
        with transaction(found) as session:
            packet = export_packet(session, config, load_actor(session, user), request_id, accuracy)
            out.write_bytes(packet)
    console.print(f"packet of request {request_id} written to {out}; SHA-256 {sha256(packet)}")


@app.command("verify")
def verify(
    packet: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    public_key: Annotated[
        str | None,
        typer.Option(help="The agency's base64 Ed25519 public key, from the oversight office."),
    ] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option(
            "--witness-key",
            help="A witness's key (name+id+base64) that must have cosigned; repeatable.",
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not consult the database, even if reachable.")
    ] = False,
) -> None:
    """Check a packet: file and entry hashes, each entry in the signed tree, the case's chain
    complete, the signed (and cosigned) checkpoint, every case file against the entries;
    and against the record where its database is reachable."""
    with refusals(AuditKeyError, NoteError):
        key = public_key_from_text(public_key) if public_key else None
        witnesses = [parse_witness_vkey(text) for text in witness_key or []]
    data = packet.read_bytes()
    check = verify_packet(data, key, witnesses)
    record = None if offline or check.request is None else _against_record(data)
    problems = check.problems + (record.problems if record else [])
    if problems:
        fail("the packet is NOT intact:\n  " + "\n  ".join(problems))
    cosigned = f", cosigned by {', '.join(check.witnesses)}" if check.witnesses else ""
    console.print(
        f"intact: request {check.request}, {check.entries} entries, each in the tree of the "
        f"checkpoint at entry {check.checkpoint_seq}{cosigned}, every case file matching "
        f"them; signature checked with {check.key}"
    )
    if record is not None and record.production is not None:
        made = record.production
        console.print(
            f"on the record: entry {made.seq} (export.created by {made.actor}, "
            f"{made.at:%Y-%m-%d %H:%M} UTC) produced this packet, manifest SHA-256 "
            f"{check.manifest_sha256}; no entry of the case is left out"
        )
    else:
        errors.print(
            "note: not checked against the agency's record (--offline, or no database "
            "reachable), which alone binds summary.pdf and case/accuracy.json: ask the agency "
            f"to confirm that an export.created entry holds manifest SHA-256 "
            f"{check.manifest_sha256}"
        )
    for said in check.witnessing:
        console.print(said, highlight=False)
    if not witness_key and check.witnessing_said:
        errors.print(
            f"note: the packet says of its witnessing (no --witness-key checked it): "
            f"{check.witnessing_said}"
        )
    for note in check.unchecked:
        errors.print(f"note: {note}")
    if key is None:
        errors.print("warning: no --public-key given; who signed the record is not proven")


def _against_record(data: bytes) -> RecordCheck | None:
    found = reachable_sessions()
    if found is None:
        return None
    with found() as session:
        return check_against_record(session, read_zip(data))
