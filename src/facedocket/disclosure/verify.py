"""Checking a disclosure packet offline: the files, the entries, their proofs in the signed
tree and the case's chain (``completeness``), the signatures and cosignatures, and every
case file against the entries it is bound to (``binding``).

Every problem is listed, not only the first, so a lawyer sees at once whether a packet
was altered in one place or rebuilt. The signature is checked with the key the caller
gives (the agency's key as the oversight office publishes it); without one, only with
the key the packet carries, which proves consistency but not who signed, and the result
says so. Each witness key given must have cosigned the checkpoint.

Packets of format v1 (before docs/tlog.md format v2) carry ``record/chain.jsonl``, the
record's links from the case's first entry to the checkpoint, instead of proofs; they are
still checked by those links.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from facedocket.audit import AuditError, AuditKeyError, fingerprint, public_key_from_text
from facedocket.audit.canonical import (
    HASH_PATTERN,
    AuditFormatError,
    checkpoint_message,
    checkpoint_shape_problem,
    entry_hash,
    entry_shape_problem,
)
from facedocket.audit.export import read_json_lines
from facedocket.audit.note import NoteError, check_signature, parse
from facedocket.audit.proofs import Witness
from facedocket.disclosure.binding import bind_case_files
from facedocket.disclosure.completeness import chain_problems, tree_problems
from facedocket.disclosure.witnessing import check_witnesses
from facedocket.reports.files import (
    MANIFEST,
    BundleError,
    Files,
    check_manifest,
    manifest_about,
    read_zip,
    sha256,
)

LINK_KEYS = {"seq", "prev_hash", "entry_hash"}


@dataclass
class PacketCheck:
    problems: list[str] = field(default_factory=list)
    request: object = None
    entries: int = 0
    checkpoint_seq: int | None = None
    key: str = "no key: the signature was not checked"
    manifest_sha256: str = ""
    # What the record does not let this packet be checked against; not a problem.
    unchecked: list[str] = field(default_factory=list)
    # The witnesses whose cosignature covers every entry (``witnessing``), and what each
    # witness key given vouches for, in words.
    witnesses: list[str] = field(default_factory=list)
    witnessing: list[str] = field(default_factory=list)
    # What the packet's record/witnessed.json says of its witnessing (the agency's word).
    witnessing_said: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_packet(
    packet: bytes, given_key: Ed25519PublicKey | None = None, witnesses: Sequence[Witness] = ()
) -> PacketCheck:
    check = PacketCheck()
    try:
        files = read_zip(packet)
    except BundleError as error:
        check.problems.append(str(error))
        return check
    check.problems += check_manifest(files)
    check.manifest_sha256 = sha256(files.get(MANIFEST, b""))
    check.request = manifest_about(files).get("request")
    try:
        entries = _lines(files, "record/entries.jsonl")
        signed = json.loads(files["record/checkpoint.json"])
    except KeyError as error:
        check.problems.append(f"{error.args[0]} is missing")
        return check
    except (AuditError, ValueError, RecursionError) as error:
        check.problems.append(f"the record files cannot be read: {error}")
        return check
    check.entries = len(entries)
    check.problems += _entry_problems(entries, str(check.request))
    entries = [entry for entry in entries if entry_shape_problem(entry) is None]
    binding = bind_case_files(files, [e for e in entries if _intact(e, str(check.request))])
    check.problems += binding.problems
    check.unchecked += binding.unchecked
    shape = checkpoint_shape_problem(signed)
    if shape is not None:
        check.problems.append(f"record/checkpoint.json: {shape}")
        return check
    check.checkpoint_seq = signed["seq"]
    if "record/chain.jsonl" in files:
        check.problems += _link_problems(entries, _lines(files, "record/chain.jsonl"), signed)
    key = _key(check, files, signed, given_key)
    if key is not None:
        check.problems += _signature_problems(signed, key)
    if "record/checkpoint.note" in files:
        _tree(check, files, entries, signed, key, witnesses)
    elif witnesses:
        check.problems.append("the packet holds no checkpoint note that a witness could cosign")
    return check


def _tree(
    check: PacketCheck,
    files: Files,
    entries: list[dict[str, Any]],
    signed: Mapping[str, Any],
    key: Ed25519PublicKey | None,
    witnesses: Sequence[Witness],
) -> None:
    """The format v2 proof: the note, its signatures, the entries in its tree, the chain."""
    try:
        note = parse(files["record/checkpoint.note"].decode("utf-8"))
        if key is not None:
            check_signature(note, note.origin, key)
        proofs = _lines(files, "record/inclusion.jsonl")
    except (NoteError, UnicodeDecodeError) as error:
        check.problems.append(f"record/checkpoint.note: {error}")
        return
    except KeyError as error:
        check.problems.append(f"{error.args[0]} is missing")
        return
    except (AuditError, ValueError, RecursionError) as error:
        check.problems.append(f"record/inclusion.jsonl cannot be read: {error}")
        return
    if note.size != signed["seq"]:
        check.problems.append(
            f"record/checkpoint.note signs a tree of {note.size} entries, "
            f"record/checkpoint.json entry {signed['seq']}"
        )
    check.problems += tree_problems(entries, proofs, note)
    problems, unchecked = chain_problems(entries, note.size)
    check.problems += problems
    check.unchecked += unchecked
    witnessing = check_witnesses(files, note, key, witnesses, [e["seq"] for e in entries])
    check.problems += witnessing.problems
    check.witnesses, check.witnessing = witnessing.witnessed, witnessing.statements
    check.witnessing_said = witnessing.said


def _lines(files: Files, name: str) -> list[dict[str, Any]]:
    return list(read_json_lines(files[name].splitlines(), name))


def _entry_problems(entries: list[dict[str, Any]], request: str) -> list[str]:
    problems = []
    if not entries:
        problems.append("record/entries.jsonl holds no entries")
    for number, entry in enumerate(entries, start=1):
        shape = entry_shape_problem(entry)
        if shape is not None:
            problems.append(f"entry line {number}: {shape}")
            continue
        if (entry["subject_type"], entry["subject_id"]) != ("request", request):
            problems.append(f"entry {entry['seq']} is not about request {request}")
        if not _hash_holds(entry):
            problems.append(f"entry {entry['seq']}: its content does not match its hash")
    return problems


def _hash_holds(entry: Mapping[str, Any]) -> bool:
    try:
        return bool(entry_hash(entry) == entry["entry_hash"])
    except (AuditFormatError, RecursionError):
        return False


def _intact(entry: Mapping[str, Any], request: str) -> bool:
    """An entry of the request whose hash recomputes: one the case files are bound to."""
    about = (entry["subject_type"], entry["subject_id"]) == ("request", request)
    return about and _hash_holds(entry)


def _link_problems(
    entries: list[dict[str, Any]], links: list[dict[str, Any]], signed: Mapping[str, Any]
) -> list[str]:
    if not all(_is_link(link) for link in links):
        return ["record/chain.jsonl: a line is not {seq, prev_hash, entry_hash}"]
    problems = []
    for before, link in pairwise(links):
        if link["seq"] != before["seq"] + 1:
            problems.append(f"the chain jumps from entry {before['seq']} to {link['seq']}")
        elif link["prev_hash"] != before["entry_hash"]:
            problems.append(f"entry {link['seq']} does not link to entry {before['seq']}")
    by_seq = {link["seq"]: link for link in links}
    for entry in entries:
        found = by_seq.get(entry["seq"])
        if found is None:
            problems.append(f"entry {entry['seq']} is not in the chain")
        elif (found["prev_hash"], found["entry_hash"]) != (entry["prev_hash"], entry["entry_hash"]):
            problems.append(f"entry {entry['seq']} has other hashes than the chain")
    if entries and links and links[0]["seq"] != entries[0]["seq"]:
        problems.append("the chain does not start at the case's first entry")
    last = links[-1] if links else {}
    if (last.get("seq"), last.get("entry_hash")) != (signed["seq"], signed["head_hash"]):
        problems.append(
            f"the chain does not end at the signed head (entry {signed['seq']}, "
            f"hash {signed['head_hash']})"
        )
    return problems


def _is_link(link: Mapping[str, Any]) -> bool:
    return (
        set(link) == LINK_KEYS
        and isinstance(link["seq"], int)
        and not isinstance(link["seq"], bool)
        and all(
            isinstance(link[k], str) and HASH_PATTERN.fullmatch(link[k])
            for k in ("prev_hash", "entry_hash")
        )
    )


def _key(
    check: PacketCheck, files: Files, signed: Mapping[str, Any], given: Ed25519PublicKey | None
) -> Ed25519PublicKey | None:
    """The key to check signatures with: the one given, else the one the packet carries."""
    try:
        shipped = public_key_from_text(files["record/public-key.txt"].decode("ascii"))
    except (KeyError, UnicodeDecodeError, AuditKeyError, ValueError):
        shipped = None
        check.problems.append("record/public-key.txt is missing or not a public key")
    if shipped is not None and fingerprint(shipped) != signed["key_fingerprint"]:
        check.problems.append("the checkpoint names another key than record/public-key.txt")
    key = given or shipped
    if key is not None:
        check.key = (
            f"the key given (fingerprint {fingerprint(key)})"
            if given is not None
            else "only the key the packet carries: get the agency's key from the oversight "
            "office and pass it to prove who signed"
        )
    return key


def _signature_problems(signed: Mapping[str, Any], key: Ed25519PublicKey) -> list[str]:
    problems = []
    if fingerprint(key) != signed["key_fingerprint"]:
        problems.append(f"the checkpoint names key {signed['key_fingerprint']}, not the one used")
        return problems
    message = checkpoint_message(signed["seq"], signed["head_hash"], signed["created_at"])
    try:
        key.verify(base64.b64decode(signed["signature"], validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        problems.append("the checkpoint signature does not verify: it was forged or altered")
    return problems
