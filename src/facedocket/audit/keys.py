"""The Ed25519 key that signs checkpoints, and the public half an auditor is given.

Keys travel as base64 of their raw 32 bytes, the form ``FACEDOCKET_AUDIT_SIGNING_KEY``
and ``--public-key`` take. A deployment configures the private key from its secret store.
When none is configured (development), one is generated into
``<data_dir>/audit-signing.key`` with mode 0600 on first use; a key file others can read
is refused, as ssh refuses one, because whoever holds it can sign a rewritten record.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from facedocket.private_files import private_folder
from facedocket.settings import Settings


class AuditKeyError(ValueError):
    """A key that cannot be read or trusted; the message says which and why."""


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key, else the development key file, generated if need be."""
    key = existing_signing_key(settings)
    if key is None:
        _write_new_key(settings.audit_signing_key_file)
        key = existing_signing_key(settings)
        assert key is not None  # the file was just written
    return key


def existing_signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The configured key, else the development key file if there is one."""
    if settings.audit_signing_key is not None:
        return private_key_from_text(settings.audit_signing_key.get_secret_value())
    path = settings.audit_signing_key_file
    if not path.exists():
        return None
    return key_from_file(path)


def key_from_file(path: Path) -> Ed25519PrivateKey:
    """A private key from a file only its owner can read (base64 of the raw 32 bytes)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise AuditKeyError(
            f"{path}: mode {mode:04o} lets others read the audit signing key; chmod 600 it"
        )
    try:
        return private_key_from_text(path.read_text(encoding="ascii"))
    except UnicodeDecodeError:
        raise AuditKeyError(f"{path}: not a base64 key") from None


def replace_key_file(path: Path, key: Ed25519PrivateKey) -> None:
    """Put ``key`` in place of the development key file, atomically, mode 0600."""
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(private_key_text(key) + "\n")
    temporary.replace(path)


def private_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


def _write_new_key(path: Path) -> None:
    # Written under a temporary name, then linked into place: two processes starting at
    # once end up with the same key, never with a half-written one.
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(private_key_text(Ed25519PrivateKey.generate()) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_raw32(text, "private"))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw32(text, "public"))


def _raw32(text: str, kind: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"the {kind} key is not base64") from None
    if len(raw) != 32:
        raise AuditKeyError(f"an Ed25519 {kind} key is 32 bytes, this one is {len(raw)}")
    return raw


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw public key: names the key in every checkpoint."""
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()
