"""A software WebAuthn authenticator for tests that speak HTTP without a browser: it
answers the server's options the way a security key does (P-256 key, "none"
attestation), so the server's checks run on real signatures. The browser test uses
Chromium's own virtual authenticator instead."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Authenticator:
    origin: str = "http://testserver"
    verifies_user: bool = True
    counts: bool = True  # many platform passkeys keep their signature counter at 0
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    count: int = 0

    def register(self, options: dict[str, Any], **client: Any) -> dict[str, Any]:
        """The answer to ``navigator.credentials.create(options)``."""
        numbers = self.key.public_key().public_numbers()
        cose = cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cose
        )
        data = self._auth_data(options["rp"]["id"], AT) + attested
        client_data = self._client_data("webauthn.create", options["challenge"], **client)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": data})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation)},
            "clientExtensionResults": {},
        }

    def sign(self, options: dict[str, Any], **client: Any) -> dict[str, Any]:
        """The answer to ``navigator.credentials.get(options)``."""
        self.count += 1 if self.counts else 0
        data = self._auth_data(options["rpId"], 0)
        client_data = self._client_data("webauthn.get", options["challenge"], **client)
        signed = data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(data),
                "signature": b64(signature),
            },
            "clientExtensionResults": {},
        }

    def _auth_data(self, rp_id: str, extra: int) -> bytes:
        flags = UP | (UV if self.verifies_user else 0) | extra
        rp_hash = hashlib.sha256(rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.count)

    def _client_data(self, kind: str, challenge: str, **client: Any) -> bytes:
        values = {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        return json.dumps(values | client).encode()
