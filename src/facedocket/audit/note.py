"""Checkpoints as C2SP signed notes, so transparency-log tooling can read and check them.

A checkpoint (C2SP tlog-checkpoint) is the note body::

    <origin>\\n<tree size, decimal>\\n<root hash, standard base64>\\n

followed by an empty line and one signature line per signer (C2SP signed-note)::

    \\u2014 <key name> <base64(key id || signature)>\\n

For an Ed25519 note signature the key id is the first 4 bytes of
SHA-256(name || 0x0A || 0x01 || public key) and the signature covers the body. A
witness's cosignature (C2SP tlog-cosignature, type 0x04) is a line of the same shape whose
key id is SHA-256(name || 0x0A || 0x04 || public key)[:4] and whose base64 holds key id ||
timestamp (8 bytes, big-endian, seconds) || Ed25519 signature over
``cosignature/v1\\ntime <timestamp>\\n`` followed by the body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DEFAULT_ORIGIN = "facedocket.invalid/audit"
ED25519 = b"\x01"
COSIGNATURE = b"\x04"
DASH = "\u2014"
_NAME = re.compile(r"[^\s+]+")
_ORIGIN = re.compile(r"[^\s]+")


class NoteError(ValueError):
    """A note that is not a well-formed checkpoint, or a signature that does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    body: str
    signatures: tuple[tuple[str, bytes], ...]  # (key name, key id || signature bytes)


def key_id(name: str, key: Ed25519PublicKey, kind: bytes = ED25519) -> bytes:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + kind + raw).digest()[:4]


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    if not _ORIGIN.fullmatch(origin):
        raise NoteError(f"origin {origin!r}: one word without spaces, e.g. agency.example/audit")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign(body: str, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note: ``body``, an empty line, and ``name``'s signature line."""
    signature = key_id(name, key.public_key()) + key.sign(body.encode())
    return f"{body}\n{_line(name, signature)}"


def cosignature_line(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """A witness's tlog-cosignature/v1 line over a checkpoint body."""
    stamp = timestamp.to_bytes(8, "big")
    message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
    return _line(name, key_id(name, key.public_key(), COSIGNATURE) + stamp + key.sign(message))


def parse(note: str) -> Checkpoint:
    body, separator, lines = note.partition("\n\n")
    if not separator or not lines.endswith("\n"):
        raise NoteError("not a signed note: no empty line before signature lines ending in \\n")
    parts = body.split("\n")
    if len(parts) < 3 or not parts[1].isdigit() or parts[1] != str(int(parts[1])):
        raise NoteError("not a checkpoint: origin, tree size and root hash lines expected")
    try:
        root = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("the root hash line is not base64") from None
    if len(root) != 32:
        raise NoteError(f"the root hash is {len(root)} bytes, not 32")
    signatures = []
    for line in lines[:-1].split("\n"):
        words = line.split(" ")
        if len(words) != 3 or words[0] != DASH or not _NAME.fullmatch(words[1]):
            raise NoteError(f"not a signature line: {line[:80]!r}")
        try:
            signatures.append((words[1], base64.b64decode(words[2], validate=True)))
        except (binascii.Error, ValueError):
            raise NoteError(f"signature of {words[1]} is not base64") from None
    return Checkpoint(parts[0], int(parts[1]), root, body + "\n", tuple(signatures))


def check_signature(checkpoint: Checkpoint, name: str, key: Ed25519PublicKey) -> None:
    """The note carries a valid Ed25519 signature by ``name``'s ``key``."""
    wanted = key_id(name, key)
    for signer, raw in checkpoint.signatures:
        if signer == name and raw[:4] == wanted and len(raw) == 68:
            try:
                key.verify(raw[4:], checkpoint.body.encode())
            except InvalidSignature:
                raise NoteError(f"the signature of {name} does not verify") from None
            return
    raise NoteError(f"the checkpoint carries no signature by {name} with the given key")


def check_cosignature(checkpoint: Checkpoint, name: str, key: Ed25519PublicKey) -> int:
    """The note carries a valid cosignature by witness ``name``; its timestamp."""
    wanted = key_id(name, key, COSIGNATURE)
    for signer, raw in checkpoint.signatures:
        if signer == name and raw[:4] == wanted and len(raw) == 76:
            timestamp = int.from_bytes(raw[4:12], "big")
            message = f"cosignature/v1\ntime {timestamp}\n{checkpoint.body}".encode()
            try:
                key.verify(raw[12:], message)
            except InvalidSignature:
                raise NoteError(f"the cosignature of witness {name} does not verify") from None
            return timestamp
    raise NoteError(f"the checkpoint carries no cosignature by witness {name}")


def _line(name: str, raw: bytes) -> str:
    if not _NAME.fullmatch(name):
        raise NoteError(f"key name {name!r}: no spaces and no '+'")
    return f"{DASH} {name} {base64.b64encode(raw).decode()}\n"


def witness_vkey(name: str, key: Ed25519PublicKey) -> str:
    """A witness's verifier key as C2SP writes it: name+key id (hex)+base64(0x04 || key)."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    identifier = key_id(name, key, COSIGNATURE).hex()
    return f"{name}+{identifier}+{base64.b64encode(COSIGNATURE + raw).decode()}"


def parse_witness_vkey(vkey: str) -> tuple[str, Ed25519PublicKey]:
    parts = vkey.strip().split("+", 2)  # base64 may hold "+" itself
    if len(parts) != 3 or not _NAME.fullmatch(parts[0]):
        raise NoteError("a witness key is name+keyid+base64 (a C2SP verifier key)")
    try:
        raw = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"witness key of {parts[0]}: not base64") from None
    if len(raw) != 33 or raw[:1] != COSIGNATURE:
        raise NoteError(f"witness key of {parts[0]}: not an Ed25519 cosignature key (0x04)")
    key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(parts[0], key, COSIGNATURE).hex() != parts[1].lower():
        raise NoteError(f"witness key of {parts[0]}: its key id does not match the key")
    return parts[0], key


def checkpoint_note_problem(
    checkpoint: Mapping[str, Any], key: Ed25519PublicKey | None, root: bytes | None
) -> str | None:
    """What is wrong with the checkpoint's C2SP note at this point of the walk, if anything."""
    text = checkpoint.get("note")
    if text is None:
        return None
    where = f"the checkpoint note of {checkpoint['created_at']}"
    try:
        note = parse(text)
        if key is not None:
            check_signature(note, note.origin, key)
    except NoteError as error:
        return f"{where}: {error}"
    if note.size != checkpoint["seq"]:
        return f"{where} signs a tree of {note.size} entries, not {checkpoint['seq']}"
    if root is not None and note.root != root:
        return (
            f"{where} signed another Merkle root for entries 1 to {note.size}: "
            "the record was rewritten"
        )
    return None
