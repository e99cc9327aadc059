"""``facedocket audit``: verify, sign, export and read the tamper-evident record.

``verify-export`` needs no database: it is the command an oversight office runs on an
export with the public key it was given. Both verify commands exit 0 only when the record
is intact *and* its checkpoint signatures were checked: 1 when it is not intact, 3 when no
public key was at hand (``--no-signatures`` accepts a check of the chain alone), so a
script cannot mistake an unsigned check for a signed one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.table import Table

from facedocket.audit import (
    AuditError,
    AuditKeyError,
    VerifyResult,
    checkpoint,
    checkpoint_if_due,
    existing_signing_key,
    export_checkpoints,
    export_entries,
    fingerprint,
    public_key_from_text,
    public_key_text,
    read_json_lines,
    recent_entries,
    signing_key,
    verify,
    verify_entries,
)
from facedocket.audit.gaps import gaps
from facedocket.audit.history import rotations
from facedocket.audit.keys import key_from_file, replace_key_file
from facedocket.audit.merkle import ProofError
from facedocket.audit.note import NoteError, parse_witness_vkey
from facedocket.audit.proofs import check_proof_file, prove_entry, prove_growth
from facedocket.audit.rotation import rotate
from facedocket.audit.witnesses import configured, submit_all
from facedocket.cli.context import console, fail, refusals, sessions, settings
from facedocket.operator import OPERATOR_ROLE, operator

app = typer.Typer(help="Verify, sign, export and read the audit record.", no_args_is_help=True)

PublicKeyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--public-key",
        help="Base64 Ed25519 public key to check checkpoint signatures with; repeatable, "
        "for the agency's key history (the record's own rotations link the rest); "
        "default: the key derived from this deployment's signing key.",
    ),
]
NoSignaturesOption = Annotated[
    bool,
    typer.Option(
        "--no-signatures",
        help="Check the chain only, knowingly: without it, a check with no public key fails.",
    ),
]
UNSIGNED_EXIT = 3


@app.command("verify")
def verify_command(
    public_key: PublicKeyOption = None, no_signatures: NoSignaturesOption = False
) -> None:
    """Recompute the chain from entry 1; exit 1 naming the first bad entry, 3 if unsigned."""
    with refusals(AuditKeyError):
        key = _public_key(public_key)
    with sessions()() as session:
        result = verify(session, key)
        standing = gaps(session, configured(settings()))
    _report(result, no_signatures)
    for gap in standing:
        console.print(str(gap), highlight=False)


@app.command("verify-export")
def verify_export(
    entries: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines.")],
    checkpoints: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Checkpoints, JSON Lines."),
    ] = None,
    public_key: PublicKeyOption = None,
    first: Annotated[int, typer.Option(min=1, help="Number of the export's first entry.")] = 1,
    no_signatures: NoSignaturesOption = False,
) -> None:
    """Verify an export without the database, e.g. at the oversight office."""
    with refusals(AuditKeyError):
        keys = [public_key_from_text(text) for text in public_key or []]
    with refusals(AuditError):
        signed = (
            list(read_json_lines(checkpoints.read_bytes().splitlines(), str(checkpoints)))
            if checkpoints
            else []
        )
        with entries.open("rb") as lines:
            announced = rotations(read_json_lines(lines, str(entries)))
        with entries.open("rb") as lines:
            result = verify_entries(
                read_json_lines(lines, str(entries)),
                signed,
                keys,
                first_seq=first,
                announced=announced,
            )
    _report(result, no_signatures)


@app.command("checkpoint")
def checkpoint_command(
    if_due: Annotated[
        bool,
        typer.Option(
            "--if-due",
            help="For a scheduler (cron, a systemd timer): sign only if entries came after "
            "the newest checkpoint, and exit 0 quietly saying so if none did.",
        ),
    ] = False,
) -> None:
    """Sign the record as it stands with this deployment's key."""
    with refusals(AuditKeyError):
        key = signing_key(settings())
    origin = settings().audit_origin
    with refusals(AuditError), sessions().begin() as session:
        row = (
            checkpoint_if_due(session, key, origin=origin)
            if if_due
            else checkpoint(session, key, origin=origin)
        )
        signed = (row.seq, row.head_hash, row.key_fingerprint) if row is not None else None
    if signed is None:
        console.print("checkpoint: nothing new since the newest checkpoint")
        return
    console.print(
        f"checkpoint: entries 1 to {signed[0]}, head {signed[1]}, signed by key {signed[2]}"
    )


@app.command("witness")
def witness() -> None:
    """Submit the newest checkpoint to every configured witness (for a scheduler, after
    'audit checkpoint --if-due'); exit 1 if one did not cosign it."""
    config = settings()
    witnesses = configured(config)
    if not witnesses:
        console.print("no witnesses configured (FACEDOCKET_WITNESSES): nothing submitted")
        return
    outcomes = submit_all(sessions(), witnesses, config.witness_timeout_seconds)
    for outcome in outcomes:
        console.print(str(outcome), highlight=False)
    if any(outcome.problem is not None for outcome in outcomes):
        fail("a witness did not cosign the newest checkpoint: the gap shows on 'audit verify'")


@app.command("prove")
def prove(
    entry: Annotated[int, typer.Argument(min=1, help="Number of the entry.")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="The proof file (JSON).")],
) -> None:
    """Write an inclusion proof of one entry under the newest signed checkpoint."""
    with refusals(AuditError, ProofError, NoteError), sessions()() as session:
        document = prove_entry(session, entry)
    _write_json(out, document)
    console.print(f"entry {entry}: inclusion proof to {out}")


@app.command("consistency")
def consistency(
    from_checkpoint: Annotated[
        Path,
        typer.Option("--from", exists=True, dir_okay=False, help="A checkpoint note kept earlier."),
    ],
    out: Annotated[Path, typer.Option(dir_okay=False, help="The proof file (JSON).")],
) -> None:
    """Prove that the log only grew since a checkpoint someone kept."""
    with refusals(AuditError, ProofError, NoteError, UnicodeDecodeError):
        old_note = from_checkpoint.read_text(encoding="utf-8")
        with sessions()() as session:
            document = prove_growth(session, old_note)
    _write_json(out, document)
    console.print(f"consistency proof to {out}")


@app.command("verify-proof")
def verify_proof(
    proof_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    public_key: Annotated[
        list[str],
        typer.Option(
            "--public-key",
            help="The agency's base64 Ed25519 public key; repeatable, for its key history.",
        ),
    ],
    witness_key: Annotated[
        list[str] | None,
        typer.Option("--witness-key", help="A witness's key (name+id+base64); repeatable."),
    ] = None,
) -> None:
    """Check a proof file offline, with no database: exit 0 only if it proves its claim."""
    with refusals(AuditKeyError, NoteError, ProofError, AuditError):
        keys = [public_key_from_text(text) for text in public_key]
        witnesses = [parse_witness_vkey(text) for text in witness_key or []]
        documents = list(read_json_lines([proof_file.read_bytes()], str(proof_file)))
        if len(documents) != 1:
            raise ProofError(f"{proof_file}: one JSON object expected")
        console.print(check_proof_file(documents[0], keys, witnesses))


def _write_json(path: Path, document: object) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@app.command("export")
def export(
    out: Annotated[Path, typer.Option(dir_okay=False, help="Entries, JSON Lines.")],
    checkpoints_out: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="Checkpoints; default: OUT with .checkpoints.jsonl."),
    ] = None,
) -> None:
    """Write the whole record as JSON Lines for an auditor."""
    checkpoints_path = checkpoints_out or out.with_suffix(".checkpoints.jsonl")
    with sessions()() as session:
        count = _write_lines(out, export_entries(session))
        signed = _write_lines(checkpoints_path, export_checkpoints(session))
    console.print(f"{count} entries to {out}, {signed} checkpoints to {checkpoints_path}")


def _write_lines(path: Path, lines: Iterable[bytes]) -> int:
    count = 0
    with path.open("wb") as handle:
        for line in lines:
            handle.write(line)
            count += 1
    return count


@app.command()
def show(limit: Annotated[int, typer.Option(min=1, help="How many entries.")] = 20) -> None:
    """The last entries, newest first."""
    with sessions()() as session:
        rows = recent_entries(session, limit)
    table = Table(title=f"last {len(rows)} audit entries")
    for column in ("seq", "at (UTC)", "actor", "role", "action", "subject", "policy"):
        table.add_column(column)
    for row in rows:
        policy = f"{row.policy_id} {row.policy_version}" if row.policy_id else ""
        table.add_row(
            str(row.seq),
            row.at.strftime("%Y-%m-%d %H:%M:%S"),
            row.actor,
            row.role,
            row.action,
            f"{row.subject_type} {row.subject_id}",
            policy,
        )
    console.print(table)


@app.command("rotate-key")
def rotate_key(
    new_key_file: Annotated[
        Path,
        typer.Option(
            "--new-key-file",
            exists=True,
            dir_okay=False,
            help="The new Ed25519 private key, base64 of its raw 32 bytes, mode 0600.",
        ),
    ],
) -> None:
    """Replace the audit signing key: an entry signed by the old key (and the new) naming
    the new public key, then a checkpoint by each. Give the oversight office the new
    public key; the old one still verifies the checkpoints it signed."""
    current = settings()
    with refusals(AuditKeyError):
        old = signing_key(current)
        new = key_from_file(new_key_file)
    with refusals(AuditError, AuditKeyError), sessions().begin() as session:
        entry, _, _ = rotate(
            session, old, new, actor=operator(), role=OPERATOR_ROLE, origin=current.audit_origin
        )
        seq = entry.seq
    console.print(
        f"entry {seq}: the audit key is now {public_key_text(new.public_key())} "
        f"(fingerprint {fingerprint(new.public_key())}), replacing "
        f"{fingerprint(old.public_key())}"
    )
    if current.audit_signing_key is None:
        replace_key_file(current.audit_signing_key_file, new)
        console.print(f"{current.audit_signing_key_file} now holds the new key")
    else:
        console.print(
            "now set FACEDOCKET_AUDIT_SIGNING_KEY to the new key and restart the services: "
            "checkpoints by the old key after this entry are refused"
        )


@app.command("public-key")
def public_key_command() -> None:
    """Print the public key to hand to the oversight office, and its fingerprint."""
    with refusals(AuditKeyError):
        key = signing_key(settings())
    console.print(public_key_text(key.public_key()))
    console.print(f"fingerprint {fingerprint(key.public_key())}")


def _public_key(texts: list[str] | None) -> list[Ed25519PublicKey]:
    if texts:
        return [public_key_from_text(text) for text in texts]
    key = existing_signing_key(settings())
    return [key.public_key()] if key is not None else []


def _report(result: VerifyResult, no_signatures: bool) -> None:
    if not result.ok:
        fail(f"the audit record is NOT intact: {result}")
    console.print(str(result))
    if not result.signatures_checked and not no_signatures:
        fail(
            "checkpoint signatures were NOT checked: there is no public key, so a record "
            "rewritten with a recomputed chain would pass. Pass --public-key (or configure "
            "FACEDOCKET_AUDIT_SIGNING_KEY), or --no-signatures to accept the chain alone.",
            UNSIGNED_EXIT,
        )
