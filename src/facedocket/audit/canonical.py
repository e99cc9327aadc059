"""The byte form of an audit entry, and its hash: the part an auditor must re-implement.

An entry is a JSON object with exactly these keys::

    seq             integer, 1, 2, 3, ... without gaps
    at              "YYYY-MM-DDTHH:MM:SS.ffffffZ", UTC, always six fraction digits
    actor, role     strings: who acted, in which role
    action          dotted lower-case name, e.g. "request.submitted", "search.run"
    subject_type    string, e.g. "request"
    subject_id      string, e.g. "42"
    details         object of JSON values (no floats, see below)
    policy_id       string or null
    policy_version  string or null
    prev_hash       entry_hash of the entry before; "0" * 64 before entry 1
    subject_prev_hash  (format v2 only) entry_hash of the last entry before this one
                    with the same subject_type and subject_id; "0" * 64 if none
    entry_hash      SHA-256 (lower-case hex) of the canonical bytes of the entry
                    without its entry_hash key

Entry format v1 (written before migration 0014) has every key above except
``subject_prev_hash``; format v2 has all of them. The key set tells them apart, and once
a v2 entry is in the record every later one is v2. ``subject_prev_hash`` chains the entries
of one subject (a case is the subject ``request`` N) inside the record, so a case's last
entry, proven in the Merkle tree, fixes every earlier entry of the case (docs/tlog.md).

Canonical bytes are RFC 8785 (JSON Canonicalization Scheme) restricted to integers:
object keys sorted by their UTF-16 code units, no whitespace, strings escaped as
JSON.stringify does (``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``, other control characters
as ``\\u00xx``, everything else literal), encoded as UTF-8. Any RFC 8785 library gives the
same bytes, so an auditor can verify the record without this software.

A checkpoint signs the bytes ``CHECKPOINT_CONTEXT`` followed by the canonical bytes of
``{"created_at": ..., "head_hash": ..., "seq": ...}`` with Ed25519; the signature is
stored and exported as standard base64, the key named by the SHA-256 (hex) of its raw
32 public bytes.

Floats are refused rather than normalised: two languages print 0.1 + 0.2 differently, and
a record that only verifies in Python is not a record. Integers are limited to the range
every JSON reader holds exactly (±(2**53 - 1)). Store a score as a string ("0.6231").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import rfc8785

ENTRY_KEYS_V1 = frozenset(
    {
        "seq",
        "at",
        "actor",
        "role",
        "action",
        "subject_type",
        "subject_id",
        "details",
        "policy_id",
        "policy_version",
        "prev_hash",
        "entry_hash",
    }
)
SUBJECT_PREV = "subject_prev_hash"
ENTRY_KEYS = ENTRY_KEYS_V1 | {SUBJECT_PREV}
CHECKPOINT_KEYS = frozenset({"seq", "head_hash", "created_at", "key_fingerprint", "signature"})
# Checkpoints signed since the Merkle tree also carry "note" (docs/tlog.md); older
# exports and checkpoints signed before it have none, or null.
NOTE_KEY = "note"
_TEXT_KEYS = ("at", "actor", "role", "action", "subject_type", "subject_id")
MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32
MAX_DETAILS_BYTES = 64 * 1024
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Domain separation: a checkpoint signature can never be mistaken for another signature.
CHECKPOINT_CONTEXT = b"facedocket audit checkpoint v1\n"


class AuditFormatError(ValueError):
    """A value that the audit record cannot hold exactly; the message names where."""


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value``, refusing what ``check_json`` refuses (floats too).

    The ``rfc8785`` package writes the bytes; ``tests/audit/test_rfc8785`` proves they are
    the ones FaceDocket's own encoder wrote before it, so no existing entry changes hash.
    """
    check_json(value, "value")
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as error:
        raise AuditFormatError(f"value: {error}") from None


def check_json(value: Any, where: str = "details", depth: int = 0) -> None:
    """Refuse anything the record could not store and hash identically everywhere."""
    if depth > MAX_DEPTH:
        raise AuditFormatError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise AuditFormatError(
                f"{where}: integer {value} is outside ±(2**53 - 1); store it as a string"
            )
        return
    if isinstance(value, float):
        raise AuditFormatError(
            f"{where}: floats are not allowed in the audit record; store {value!r} as a string"
        )
    if isinstance(value, str):
        check_text(value, where)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditFormatError(f"{where}: key {key!r} is not a string")
            check_text(key, f"{where} key {key!r}")
            check_json(item, f"{where}[{key!r}]", depth + 1)
        return
    raise AuditFormatError(
        f"{where}: {type(value).__name__} is not a JSON value (use dict, list, str, int, bool)"
    )


def check_text(value: str, where: str) -> None:
    # PostgreSQL cannot store NUL in text, and a lone surrogate has no UTF-8 form.
    if "\x00" in value:
        raise AuditFormatError(f"{where}: contains a NUL character")
    if _SURROGATE.search(value):
        raise AuditFormatError(f"{where}: contains a lone surrogate, not valid Unicode")


def format_time(moment: datetime) -> str:
    """The one text form of a timestamp in the record."""
    if moment.tzinfo is None:
        raise AuditFormatError("naive datetime: the record holds only UTC times")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical bytes of every field except ``entry_hash`` itself."""
    content = {key: value for key, value in entry.items() if key != "entry_hash"}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def entry_bytes(entry: Mapping[str, Any]) -> bytes:
    """The canonical bytes of the whole entry: its export line and its Merkle leaf."""
    return canonical_json(dict(entry))


def entry_line(entry: Mapping[str, Any]) -> bytes:
    """One JSON Lines record of an export."""
    return entry_bytes(entry) + b"\n"


def checkpoint_message(seq: int, head_hash: str, created_at: str) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    content = {"seq": seq, "head_hash": head_hash, "created_at": created_at}
    return CHECKPOINT_CONTEXT + canonical_json(content)


def entry_format(entry: Mapping[str, Any]) -> int:
    """The entry's format version: 2 if it carries ``subject_prev_hash``, else 1."""
    return 2 if SUBJECT_PREV in entry else 1


def entry_shape_problem(entry: object) -> str | None:
    """Why ``entry`` is not an entry at all, or None; the hash checks the values."""
    if not isinstance(entry, Mapping):
        return f"not a JSON object but {type(entry).__name__}"
    keys = set(entry)
    wanted = ENTRY_KEYS if SUBJECT_PREV in keys else ENTRY_KEYS_V1
    if keys != wanted:
        missing = ", ".join(sorted(wanted - keys))
        extra = ", ".join(sorted(map(str, keys - wanted)))
        return "; ".join(
            part
            for part in (missing and f"missing fields: {missing}", extra and f"unknown: {extra}")
            if part
        )
    wrong = [key for key in _TEXT_KEYS if not isinstance(entry[key], str)]
    wrong += [key for key in ("policy_id", "policy_version") if not _text_or_none(entry[key])]
    wrong += [key for key in ("prev_hash", "entry_hash") if not _is_hash(entry[key])]
    if SUBJECT_PREV in entry and not _is_hash(entry[SUBJECT_PREV]):
        wrong.append(SUBJECT_PREV)
    if not _is_int(entry["seq"]):
        wrong.append("seq")
    if not isinstance(entry["details"], dict):
        wrong.append("details")
    return f"fields of the wrong type: {', '.join(wrong)}" if wrong else None


def checkpoint_shape_problem(record: object) -> str | None:
    if not isinstance(record, Mapping) or set(record) - {NOTE_KEY} != CHECKPOINT_KEYS:
        return f"a checkpoint without exactly the fields {sorted(CHECKPOINT_KEYS)}"
    if not (
        _is_int(record["seq"])
        and record["seq"] >= 1
        and _is_hash(record["head_hash"])
        and _is_hash(record["key_fingerprint"])
        and isinstance(record["created_at"], str)
        and isinstance(record["signature"], str)
        and isinstance(record.get(NOTE_KEY), str | None)
    ):
        return f"a checkpoint with fields of the wrong type (at entry {record['seq']!r})"
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and HASH_PATTERN.fullmatch(value) is not None


def _text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)
