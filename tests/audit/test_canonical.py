"""The canonical bytes and hash are pinned: changing them would orphan every record."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from facedocket.audit.canonical import (
    AuditFormatError,
    canonical_json,
    checkpoint_message,
    entry_hash,
    format_time,
)

ENTRY = {
    "seq": 1,
    "at": "2026-09-01T12:00:00.000001Z",
    "actor": "Sgt. Ó'Brien",
    "role": "examiner",
    "action": "search.run",
    "subject_type": "request",
    "subject_id": "42",
    "details": {"gallery": "rmv", "candidates": 20, "note": "line\nbreak"},
    "policy_id": "massachusetts",
    "policy_version": "1.0",
    "prev_hash": "0" * 64,
}
ENTRY_BYTES = (
    '{"action":"search.run","actor":"Sgt. Ó\'Brien","at":"2026-09-01T12:00:00.000001Z",'
    '"details":{"candidates":20,"gallery":"rmv","note":"line\\nbreak"},'
    '"policy_id":"massachusetts","policy_version":"1.0","prev_hash":"'
    + "0" * 64
    + '","role":"examiner","seq":1,"subject_id":"42","subject_type":"request"}'
).encode("utf-8")


def test_the_bytes_of_an_entry() -> None:
    assert canonical_json(ENTRY) == ENTRY_BYTES


def test_the_hash_of_an_entry_ignores_its_own_hash_field() -> None:
    expected = hashlib.sha256(ENTRY_BYTES).hexdigest()
    assert entry_hash(ENTRY) == expected
    assert entry_hash({**ENTRY, "entry_hash": "f" * 64}) == expected


def test_keys_sort_by_utf16_code_units_as_rfc_8785_says() -> None:
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFD in UTF-16 though
    # its code point is larger.
    assert canonical_json({"\ufffd": 1, "\U0001f600": 2, "a": 3}) == (
        '{"a":3,"\U0001f600":2,"\ufffd":1}'.encode()
    )


def test_strings_are_escaped_as_json_stringify_does() -> None:
    text = '"\\/\b\f\n\r\t\x01\x1f\x7fé\u2028'
    escaped = b'"\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f'
    assert canonical_json(text) == escaped + '\x7fé\u2028"'.encode()


def test_times_have_one_form() -> None:
    eastern = timezone(timedelta(hours=-5))
    moment = datetime(2026, 9, 1, 7, 0, tzinfo=eastern)
    assert format_time(moment) == "2026-09-01T12:00:00.000000Z"
    assert format_time(datetime(2026, 9, 1, 12, tzinfo=UTC)) == format_time(moment)
    with pytest.raises(AuditFormatError, match="naive"):
        format_time(datetime(2026, 9, 1, 12))


def test_the_checkpoint_message() -> None:
    message = checkpoint_message(7, "a" * 64, "2026-09-01T12:00:00.000000Z")
    assert message == (
        b"facedocket audit checkpoint v1\n"
        b'{"created_at":"2026-09-01T12:00:00.000000Z","head_hash":"' + b"a" * 64 + b'","seq":7}'
    )


def test_a_float_has_no_canonical_form() -> None:
    with pytest.raises(AuditFormatError, match="float"):
        canonical_json({"score": 0.5})
