"""TOTP seeds encrypted at rest with a key from the settings (Fernet: AES-CBC + HMAC).

A seed is as good as the second factor itself: whoever reads it makes every future code.
The database (and each of its backups) holds only the sealed form; the key lives in the
agency's secret store (``FACEDOCKET_TOTP_KEY``), or for development in a 0600 key file
beside the database. Seeds written in plain form before this existed are sealed when the
service starts (``seal_plain_seeds``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.private_files import FILE_MODE, private_folder
from facedocket.settings import Settings
from facedocket.store.schema import TotpSecret

# Every Fernet token starts with its version byte 0x80, "gAAAAA" in base64; a plain seed is
# base32 (A-Z, 2-7), which never holds a lower-case letter.
SEALED_PREFIX = "gAAAAA"


class SeedKeyError(RuntimeError):
    """The stored seeds were sealed with another key than the one configured."""


class SeedCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def of(cls, settings: Settings) -> SeedCipher:
        """The configured key, else the development key file (created on first use)."""
        if settings.totp_key is not None:
            return cls(settings.totp_key.get_secret_value().encode())
        return cls(_development_key(settings.totp_key_file))

    def seal(self, seed: str) -> str:
        return self._fernet.encrypt(seed.encode()).decode()

    def open(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise SeedKeyError(
                "a TOTP seed cannot be opened with FACEDOCKET_TOTP_KEY: "
                "it was sealed with another key"
            ) from None


def seal_plain_seeds(session: Session, cipher: SeedCipher) -> int:
    """Seal every seed still stored in plain form; the number sealed.

    A sealed seed is opened first, so that a wrong key stops the service at its start
    rather than at the next sign-in with a second factor.
    """
    sealed = session.scalars(
        select(TotpSecret.secret).where(TotpSecret.secret.like(f"{SEALED_PREFIX}%")).limit(1)
    ).first()
    if sealed is not None:
        cipher.open(sealed)
    plain = session.scalars(
        select(TotpSecret).where(TotpSecret.secret.not_like(f"{SEALED_PREFIX}%"))
    ).all()
    for row in plain:
        row.secret = cipher.seal(row.secret)
    session.flush()
    return len(plain)


def _development_key(path: Path) -> bytes:
    if not path.exists():
        # Written under a temporary name, then linked: two processes starting at once end up
        # with the same key, never with a half-written one.
        private_folder(path.parent)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink()
    return path.read_bytes().strip()
