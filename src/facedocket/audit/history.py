"""Which agency keys a verifier accepts checkpoints from, as the record rotates them.

A key rotation is one entry, ``record.key_rotated`` about ``audit_key agency``, whose details
name both public keys and carry two Ed25519 signatures over the statement
``ROTATION_CONTEXT || RFC 8785 {"new_public_key": ..., "old_public_key": ...}``: the old
key's, which authorises the change, and the new key's, which proves its holder agreed
(``rotation`` writes it). A walk over the record (``KeyHistory``) accepts a checkpoint from
the key in force where it stands: a key it was given, or one a verified rotation links
to a given key, either way (a given old key vouches for its successor; a given new key's
checkpoints cover the rotation entry naming its predecessor). Once the record has rotated
away from a key, no checkpoint by it after the rotation is accepted: a stolen retired key
signs nothing a verifier takes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from facedocket.audit.canonical import canonical_json
from facedocket.audit.keys import AuditKeyError, fingerprint, public_key_from_text
from facedocket.audit.signed import signature_problem

# One key, a key history, or None (signatures not checked): what verifiers are given.
Keys = Ed25519PublicKey | Sequence[Ed25519PublicKey] | None
ROTATED = "record.key_rotated"
ROTATION_CONTEXT = b"facedocket audit key rotation v1\n"
# Rotations have a subject of their own: their chain is the key's history, and reading
# them ahead of a walk reads those entries only.
SUBJECT = ("audit_key", "agency")


def rotation_message(old_public_key: str, new_public_key: str) -> bytes:
    """The exact bytes both keys sign to rotate from ``old`` to ``new`` (base64 keys)."""
    content = {"old_public_key": old_public_key, "new_public_key": new_public_key}
    return ROTATION_CONTEXT + canonical_json(content)


def listed(keys: Keys) -> list[Ed25519PublicKey]:
    if keys is None:
        return []
    return [keys] if isinstance(keys, Ed25519PublicKey) else list(keys)


def rotations(entries: Iterable[Mapping[str, Any]]) -> list[Any]:
    """The details of the key rotation entries among ``entries``, to announce to a walk."""
    return [
        entry.get("details")
        for entry in entries
        if (entry.get("action"), entry.get("subject_type"), entry.get("subject_id"))
        == (ROTATED, *SUBJECT)
        and isinstance(entry.get("details"), Mapping)
    ]


class KeyHistory:
    """The keys a walk accepts checkpoints from, learning each rotation as it reaches it.

    ``announced`` are the rotation entries' details read ahead (from the database), so a
    checkpoint of an older key can be checked before the walk reaches the rotation that
    names it; each announced key counts only once its rotation entry has been walked and
    verified, and the walk fails at the end on any checkpoint whose key never did.
    """

    def __init__(
        self, given: Sequence[Ed25519PublicKey], announced: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        self.given = {fingerprint(key): key for key in given}
        self.known = dict(self.given)
        for details in announced:
            for side in ("old", "new"):
                key = _key(details, side)
                if key is not None:
                    self.known.setdefault(fingerprint(key), key)
        self.links: list[tuple[str, str]] = []  # verified rotations, old -> new
        self.in_force: str | None = None
        self.rotated_at: dict[str, int] = {}  # retired key -> seq of its rotation entry
        self.used: dict[str, int] = {}  # key -> seq of the first checkpoint it signed

    @property
    def checks(self) -> bool:
        return bool(self.given)

    def key_of(self, checkpoint: Mapping[str, Any]) -> Ed25519PublicKey | None:
        return self.known.get(checkpoint["key_fingerprint"])

    def learn(self, entry: Mapping[str, Any]) -> str | None:
        """Take in a (hash-checked) rotation entry; why it is not a valid one, or None."""
        if (entry["action"], entry["subject_type"], entry["subject_id"]) != (ROTATED, *SUBJECT):
            return None
        details = entry["details"]
        old, new = _key(details, "old"), _key(details, "new")
        if old is None or new is None:
            return "a key rotation that does not name two Ed25519 public keys"
        message = rotation_message(details["old_public_key"], details["new_public_key"])
        for side, key in (("old", old), ("new", new)):
            try:
                signature = base64.b64decode(str(details.get(f"{side}_signature")), validate=True)
                key.verify(signature, message)
            except (InvalidSignature, binascii.Error, ValueError):
                return f"a key rotation whose {side} key's signature does not verify"
        old_print, new_print = fingerprint(old), fingerprint(new)
        if self.in_force is not None and old_print != self.in_force:
            return (
                f"a rotation from key {old_print[:16]}…, but key {self.in_force[:16]}… is in force"
            )
        self.links.append((old_print, new_print))
        self.known |= {old_print: old, new_print: new}
        self.rotated_at[old_print] = entry["seq"]
        self.in_force = new_print
        return None

    def problem(self, checkpoint: Mapping[str, Any]) -> str | None:
        """Why the walk cannot accept this checkpoint's signature here, or None."""
        if not self.checks:
            return None
        named = checkpoint["key_fingerprint"]
        where = f"the checkpoint of {checkpoint['created_at']} at entry {checkpoint['seq']}"
        key = self.known.get(named)
        if key is None:
            given = ", ".join(f"{fingerprint[:16]}…" for fingerprint in self.given)
            return (
                f"{where} names key {named[:16]}…, not the given key {given} nor one the "
                "record rotated to: was the key replaced without 'facedocket audit rotate-key'?"
            )
        retired = self.rotated_at.get(named)
        if retired is not None and checkpoint["seq"] > retired:
            return f"{where} is signed by key {named[:16]}…, retired at entry {retired}"
        if self.in_force is None:
            self.in_force = named
        elif named != self.in_force and retired != checkpoint["seq"]:
            return (
                f"{where} is signed by key {named[:16]}…, but key {self.in_force[:16]}… is "
                "in force there"
            )
        self.used.setdefault(named, checkpoint["seq"])
        return signature_problem(checkpoint, key)

    def untrusted(self) -> str | None:
        """At the end of a walk: a key that signed and that no given key vouches for."""
        trusted = set(self.given)
        grown = True
        while grown:
            before = len(trusted)
            trusted |= {b for a, b in self.links if a in trusted}
            trusted |= {a for a, b in self.links if b in trusted}
            grown = len(trusted) > before
        for named, seq in sorted(self.used.items(), key=lambda item: item[1]):
            if named not in trusted:
                return (
                    f"the checkpoint at entry {seq} is signed by key {named[:16]}…, which no "
                    "given key vouches for (no verified rotation links it to one)"
                )
        return None


def _key(details: Mapping[str, Any], side: str) -> Ed25519PublicKey | None:
    try:
        return public_key_from_text(str(details.get(f"{side}_public_key")))
    except (AuditKeyError, ValueError, binascii.Error):
        return None
