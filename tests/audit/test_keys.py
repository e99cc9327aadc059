"""The signing key: configured, or generated for development with safe permissions."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import SecretStr, ValidationError

from facedocket.audit import (
    AuditKeyError,
    existing_signing_key,
    fingerprint,
    public_key_from_text,
    public_key_text,
    signing_key,
)
from facedocket.settings import Settings


def _text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


def test_a_development_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    assert existing_signing_key(settings) is None
    first = signing_key(settings)
    path = settings.audit_signing_key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fingerprint(signing_key(settings).public_key()) == fingerprint(first.public_key())
    assert [p.name for p in path.parent.iterdir()] == ["audit-signing.key"]


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    signing_key(settings)
    os.chmod(settings.audit_signing_key_file, 0o644)
    with pytest.raises(AuditKeyError, match="mode 0644 lets others read"):
        signing_key(settings)


def test_a_configured_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    configured = Ed25519PrivateKey.generate()
    settings = Settings(data_dir=tmp_path, audit_signing_key=SecretStr(_text(configured)))
    assert fingerprint(signing_key(settings).public_key()) == fingerprint(configured.public_key())
    assert not settings.audit_signing_key_file.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "this one is 5")],
)
def test_a_bad_configured_key_is_refused_when_settings_load(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(audit_signing_key=SecretStr(value))


def test_a_bad_configured_key_does_not_leak_in_the_error() -> None:
    secret = base64.b64encode(b"x" * 31).decode()
    with pytest.raises(ValidationError) as raised:
        Settings(audit_signing_key=SecretStr(secret))
    assert secret not in str(raised.value)


def test_public_keys_travel_as_base64() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    assert fingerprint(public_key_from_text(public_key_text(key))) == fingerprint(key)
    with pytest.raises(AuditKeyError, match="32 bytes"):
        public_key_from_text(base64.b64encode(bytes(33)).decode())
    with pytest.raises(AuditKeyError, match="not base64"):
        public_key_from_text("%%%")
