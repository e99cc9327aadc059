"""``facedocket disclosure``: make a defendant's packet, and check one offline.

``verify`` needs no database and no FaceDocket deployment: it is the command a defence
lawyer's expert runs on the ZIP, with the agency's public key from the oversight office.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from facedocket.audit import AuditKeyError, public_key_from_text
from facedocket.cases.errors import NotFound, Refused
from facedocket.cases.requests import load_actor
from facedocket.cli.context import console, errors, fail, refusals, sessions, settings
from facedocket.disclosure.packet import export_packet
from facedocket.disclosure.verify import verify_packet
from facedocket.reports.files import sha256
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
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        packet = export_packet(session, settings(), load_actor(session, user), request_id, accuracy)
        out.write_bytes(packet)
    console.print(f"packet of request {request_id} written to {out}; SHA-256 {sha256(packet)}")


@app.command("verify")
def verify(
    packet: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    public_key: Annotated[
        str | None,
        typer.Option(help="The agency's base64 Ed25519 public key, from the oversight office."),
    ] = None,
) -> None:
    """Check a packet offline: file hashes, entry hashes and links, the signed checkpoint."""
    with refusals(AuditKeyError):
        key = public_key_from_text(public_key) if public_key else None
    check = verify_packet(packet.read_bytes(), key)
    if not check.ok:
        fail("the packet is NOT intact:\n  " + "\n  ".join(check.problems))
    console.print(
        f"intact: request {check.request}, {check.entries} entries linked to the checkpoint "
        f"at entry {check.checkpoint_seq}; signature checked with {check.key}"
    )
    console.print(
        f"manifest SHA-256 {check.manifest_sha256}: the agency's record holds it in the "
        "export.created entry of this packet"
    )
    if key is None:
        errors.print("warning: no --public-key given; who signed the record is not proven")
