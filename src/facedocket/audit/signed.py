"""Checking a checkpoint's v1 signature (over the chain's head) with an Ed25519 key."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from facedocket.audit.canonical import checkpoint_message
from facedocket.audit.keys import fingerprint


def signature_problem(checkpoint: Mapping[str, Any], key: Ed25519PublicKey) -> str | None:
    """Why ``key`` did not make the checkpoint's signature, or None if it did."""
    where = f"the checkpoint of {checkpoint['created_at']} at entry {checkpoint['seq']}"
    wanted = fingerprint(key)
    if checkpoint["key_fingerprint"] != wanted:
        return (
            f"{where} names key {checkpoint['key_fingerprint'][:16]}…, "
            f"not the given key {wanted[:16]}…"
        )
    message = checkpoint_message(
        checkpoint["seq"], checkpoint["head_hash"], checkpoint["created_at"]
    )
    try:
        signature = base64.b64decode(checkpoint["signature"], validate=True)
        key.verify(signature, message)
    except (InvalidSignature, binascii.Error, ValueError):
        return f"{where}: the signature does not verify; it was forged or altered"
    return None
