"""The witness's own store: one SQLite file and its key files, in a folder of its own.

The witness must never cosign two checkpoints of a log that contradict each other, across
restarts too, so what it last cosigned is in SQLite (``witness.db``) and each decision
reads and updates it inside one ``BEGIN IMMEDIATE`` transaction: two submissions at once
are decided one after the other, never both against the same old size (the race that
C2SP tlog-witness warns of). Private keys are files of their own, mode 0600
(``keys/<key id>.key``); the database holds only public halves, so a copy of it given to
an auditor gives away nothing that signs.
"""

from __future__ import annotations

import base64
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from facedocket.audit.keys import private_key_from_text, public_key_from_text, public_key_text
from facedocket.audit.note import COSIGNATURE, key_id, witness_vkey
from facedocket.private_files import make_private, open_private, private_folder

DATABASE = "witness.db"
SCHEMA = """
CREATE TABLE IF NOT EXISTS witness (
    id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, created_at TEXT NOT NULL,
    retired_at TEXT);
CREATE TABLE IF NOT EXISTS logs (
    origin TEXT PRIMARY KEY, size INTEGER NOT NULL DEFAULT 0, root BLOB, note TEXT,
    updated_at TEXT);
CREATE TABLE IF NOT EXISTS log_keys (
    origin TEXT NOT NULL REFERENCES logs (origin), public_key TEXT NOT NULL,
    added_at TEXT NOT NULL, PRIMARY KEY (origin, public_key));
CREATE TABLE IF NOT EXISTS conflicts (
    id INTEGER PRIMARY KEY, origin TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
    reason TEXT NOT NULL, cosigned_note TEXT, request TEXT NOT NULL);
"""


class WitnessStoreError(RuntimeError):
    """The witness folder is missing, not initialised, or holds something unsafe."""


@dataclass(frozen=True)
class LogState:
    origin: str
    size: int
    root: bytes | None
    note: str | None
    updated_at: str | None
    keys: tuple[Ed25519PublicKey, ...]


@dataclass(frozen=True)
class Conflict:
    id: int
    origin: str
    at: str
    kind: str
    reason: str
    cosigned_note: str | None
    request: str


@dataclass(frozen=True)
class WitnessKey:
    key_id: str
    public_key: Ed25519PublicKey
    created_at: str
    retired_at: str | None


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class WitnessStore:
    """The folder ``root``: ``witness.db`` and ``keys/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / DATABASE

    # -- setting up -------------------------------------------------------------------

    def init(self, name: str) -> WitnessKey:
        """A new witness named ``name`` with its first key; refuses an existing one."""
        if self.path.exists():
            raise WitnessStoreError(f"{self.root} already holds a witness; its keys are kept")
        if not name or any(c.isspace() or c == "+" for c in name):
            raise WitnessStoreError(f"witness name {name!r}: one word, no spaces and no '+'")
        private_folder(self.root)
        with open_private(self.path):
            pass  # created 0600 before SQLite opens it
        with self._connect() as db:
            db.executescript(SCHEMA)
            db.execute("INSERT INTO witness VALUES (1, ?, ?)", (name, now_text()))
        return self.add_key()

    def add_key(self) -> WitnessKey:
        """A new signing key beside the others (rotation); every unretired key cosigns."""
        name = self.name()
        private = Ed25519PrivateKey.generate()
        identifier = key_id(name, private.public_key(), COSIGNATURE).hex()
        folder = private_folder(self.root / "keys")
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        with open_private(folder / f"{identifier}.key", "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(raw).decode() + "\n")
        created = now_text()
        with self._connect() as db:
            db.execute(
                "INSERT INTO keys VALUES (?, ?, ?, NULL)",
                (identifier, public_key_text(private.public_key()), created),
            )
        return WitnessKey(identifier, private.public_key(), created, None)

    def retire_key(self, identifier: str) -> None:
        """Stop cosigning with a key and delete its private half; its public half stays,
        so the cosignatures it made still verify."""
        keys = {key.key_id: key for key in self.witness_keys()}
        if identifier not in keys or keys[identifier].retired_at is not None:
            raise WitnessStoreError(f"no active witness key {identifier!r}")
        if all(k.retired_at is not None for k in keys.values() if k.key_id != identifier):
            raise WitnessStoreError("that is the last active key: add one first (rotate-key)")
        with self._connect() as db:
            db.execute("UPDATE keys SET retired_at = ? WHERE key_id = ?", (now_text(), identifier))
        (self.root / "keys" / f"{identifier}.key").unlink(missing_ok=True)

    def trust(self, origin: str, public_key: str) -> None:
        """Witness the log ``origin``, whose checkpoints ``public_key`` signs (one more key
        for a log already known: the agency's key rotation)."""
        if not origin or any(c.isspace() for c in origin):
            raise WitnessStoreError(f"origin {origin!r}: one word without spaces")
        key = public_key_text(public_key_from_text(public_key))
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO logs (origin) VALUES (?)", (origin,))
            db.execute("INSERT OR IGNORE INTO log_keys VALUES (?, ?, ?)", (origin, key, now_text()))

    # -- reading ----------------------------------------------------------------------

    def name(self) -> str:
        with self._connect() as db:
            return str(db.execute("SELECT name FROM witness").fetchone()[0])

    def witness_keys(self) -> list[WitnessKey]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM keys ORDER BY created_at, key_id").fetchall()
        return [WitnessKey(r[0], public_key_from_text(r[1]), r[2], r[3]) for r in rows]

    def vkeys(self) -> list[tuple[WitnessKey, str]]:
        name = self.name()
        return [(key, witness_vkey(name, key.public_key)) for key in self.witness_keys()]

    def signing_keys(self) -> list[Ed25519PrivateKey]:
        """The private halves of the active keys, each file checked as ssh checks one."""
        found = []
        for key in self.witness_keys():
            if key.retired_at is not None:
                continue
            path = self.root / "keys" / f"{key.key_id}.key"
            if not path.is_file():
                raise WitnessStoreError(f"{path}: the witness key file is missing")
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise WitnessStoreError(f"{path}: mode {mode:04o} lets others read it; chmod 600")
            found.append(private_key_from_text(path.read_text(encoding="ascii")))
        return found

    def logs(self) -> list[LogState]:
        with self._connect() as db:
            origins = [row[0] for row in db.execute("SELECT origin FROM logs ORDER BY origin")]
            return [state for origin in origins if (state := log_state(db, origin))]

    def conflicts(self) -> list[Conflict]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM conflicts ORDER BY id").fetchall()
        return [Conflict(*row) for row in rows]

    # -- deciding ---------------------------------------------------------------------

    @contextmanager
    def decision(self) -> Iterator[sqlite3.Connection]:
        """One submission's read-check-write, serialised against every other."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise WitnessStoreError(
                f"no witness in {self.root}: run 'facedocket witness init' there first"
            )
        make_private(self.path)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        return db


def log_state(db: sqlite3.Connection, origin: str) -> LogState | None:
    row = db.execute(
        "SELECT origin, size, root, note, updated_at FROM logs WHERE origin = ?", (origin,)
    ).fetchone()
    if row is None:
        return None
    keys = db.execute("SELECT public_key FROM log_keys WHERE origin = ?", (origin,)).fetchall()
    return LogState(
        row[0],
        row[1],
        bytes(row[2]) if row[2] is not None else None,
        row[3],
        row[4],
        tuple(public_key_from_text(k[0]) for k in keys),
    )


def remember(db: sqlite3.Connection, origin: str, size: int, root: bytes, note: str) -> None:
    db.execute(
        "UPDATE logs SET size = ?, root = ?, note = ?, updated_at = ? WHERE origin = ?",
        (size, root, note, now_text(), origin),
    )


def keep_conflict(
    db: sqlite3.Connection, state: LogState, kind: str, reason: str, request: str
) -> None:
    # Kept once: a log that keeps resubmitting the same refused checkpoint (a scheduler
    # retrying) adds no evidence, only rows.
    db.execute(
        "INSERT INTO conflicts (origin, at, kind, reason, cosigned_note, request) "
        "SELECT :origin, :at, :kind, :reason, :note, :request WHERE NOT EXISTS "
        "(SELECT 1 FROM conflicts WHERE origin = :origin AND request = :request "
        "AND cosigned_note IS :note)",
        {
            "origin": state.origin,
            "at": now_text(),
            "kind": kind,
            "reason": reason,
            "note": state.note,
            "request": request,
        },
    )
