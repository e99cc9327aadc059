"""``facedocket witness``: run a witness for an agency's record (an oversight office's tool).

The witness lives in a folder of its own (``--dir``, or ``FACEDOCKET_WITNESS_DIR``), apart
from any agency's database: ``init`` makes its key, ``trust`` names the agency's log and
public key, ``serve`` answers ``add-checkpoint``, ``conflicts`` shows what it refused as
evidence. ``rotate-key`` adds a new key (both cosign until ``retire-key`` ends the old
one; cosignatures the old key made still verify under its verifier key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from facedocket.audit.keys import AuditKeyError
from facedocket.cli.context import console, fail, refusals
from facedocket.witness.store import WitnessStore, WitnessStoreError

app = typer.Typer(help="Run a witness that cosigns an agency's record.", no_args_is_help=True)

Folder = Annotated[
    Path,
    typer.Option(
        "--dir",
        envvar="FACEDOCKET_WITNESS_DIR",
        file_okay=False,
        help="The witness's folder: its SQLite store and key files.",
    ),
]
DEFAULT = Path("witness")


@app.command()
def init(
    name: Annotated[str, typer.Option(help="The witness's name, e.g. eopss.example/witness.")],
    folder: Folder = DEFAULT,
) -> None:
    """Make a new witness: its store and its first key; prints its verifier key."""
    with refusals(WitnessStoreError):
        store = WitnessStore(folder)
        store.init(name)
        _print_vkeys(store)


@app.command()
def trust(
    origin: Annotated[
        str, typer.Argument(help="The log's origin line, e.g. agency.example/audit.")
    ],
    public_key: Annotated[
        str, typer.Option("--public-key", help="The agency's base64 Ed25519 public key.")
    ],
    folder: Folder = DEFAULT,
) -> None:
    """Witness a log: its origin and the key that signs its checkpoints (repeat for a new
    key of the same log)."""
    with refusals(WitnessStoreError, AuditKeyError):
        WitnessStore(folder).trust(origin, public_key)
    console.print(f"witnessing {origin}")


@app.command()
def serve(
    folder: Folder = DEFAULT,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8080,
) -> None:
    """Answer C2SP tlog-witness add-checkpoint requests (POST /add-checkpoint)."""
    import uvicorn  # noqa: PLC0415

    from facedocket.witness.app import create_app  # noqa: PLC0415

    store = WitnessStore(folder)
    with refusals(WitnessStoreError):
        store.signing_keys()
        name = store.name()
    console.print(f"witness {name} on http://{host}:{port}/add-checkpoint; Ctrl-C stops it")
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


@app.command()
def status(folder: Folder = DEFAULT) -> None:
    """The witness's keys and, per log, the size and time it last cosigned."""
    with refusals(WitnessStoreError):
        store = WitnessStore(folder)
        _print_vkeys(store)
        logs, conflicts = store.logs(), store.conflicts()
    table = Table(title=f"logs witnessed ({len(conflicts)} conflicts kept)")
    for column in ("origin", "cosigned size", "at (UTC)", "trusted keys"):
        table.add_column(column)
    for log in logs:
        table.add_row(log.origin, str(log.size), log.updated_at or "never", str(len(log.keys)))
    console.print(table)


@app.command()
def conflicts(
    folder: Folder = DEFAULT,
    show: Annotated[
        int | None, typer.Option(help="Print this conflict's two checkpoints in full.")
    ] = None,
) -> None:
    """Checkpoints refused because they contradict one cosigned before: the evidence."""
    with refusals(WitnessStoreError):
        found = WitnessStore(folder).conflicts()
    if show is not None:
        chosen = [conflict for conflict in found if conflict.id == show]
        if not chosen:
            fail(f"no conflict {show}")
        conflict = chosen[0]
        console.print(f"conflict {conflict.id}, {conflict.at}: {conflict.reason}")
        console.print("the checkpoint cosigned before:", highlight=False)
        console.print(conflict.cosigned_note or "(none)", markup=False, highlight=False)
        console.print("the request refused:", highlight=False)
        console.print(conflict.request, markup=False, highlight=False)
        return
    table = Table(title=f"{len(found)} conflicts")
    for column in ("id", "at (UTC)", "origin", "kind", "reason"):
        table.add_column(column)
    for conflict in found:
        table.add_row(
            str(conflict.id), conflict.at, conflict.origin, conflict.kind, conflict.reason
        )
    console.print(table)


@app.command("rotate-key")
def rotate_key(folder: Folder = DEFAULT) -> None:
    """Add a new witness key; it cosigns beside the old one until that is retired."""
    with refusals(WitnessStoreError):
        store = WitnessStore(folder)
        store.add_key()
        _print_vkeys(store)


@app.command("retire-key")
def retire_key(
    key_id: Annotated[str, typer.Argument(help="The key id (hex) to stop cosigning with.")],
    folder: Folder = DEFAULT,
) -> None:
    """Stop cosigning with a key and delete its private half; its cosignatures still verify."""
    with refusals(WitnessStoreError):
        store = WitnessStore(folder)
        store.retire_key(key_id)
        _print_vkeys(store)


def _print_vkeys(store: WitnessStore) -> None:
    for key, vkey in store.vkeys():
        state = f"retired {key.retired_at}" if key.retired_at else "active"
        console.print(f"{vkey}  ({state}, since {key.created_at})", highlight=False)
