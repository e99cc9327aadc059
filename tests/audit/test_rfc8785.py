"""The ``rfc8785`` package writes the very bytes FaceDocket's own encoder wrote before it.

``hand_written`` is that encoder, frozen here as it was on main (audit/canonical.py before
the switch): if the library ever disagreed with it on an entry, every stored entry hash
and every signed checkpoint over it would stop verifying.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import fill, rows
from tests.audit.test_audit_properties import APPEND, JSON
from tests.audit.test_canonical import ENTRY

from facedocket.audit import append
from facedocket.audit.canonical import canonical_json, entry_line


def hand_written(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(hand_written(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(f"{hand_written(k)}:{hand_written(value[k])}" for k in keys) + "}"
    raise TypeError(type(value).__name__)


def test_the_pinned_entry() -> None:
    assert canonical_json(ENTRY) == hand_written(ENTRY).encode()


@settings(max_examples=300)
@given(value=JSON)
def test_any_json_value(value: Any) -> None:
    assert canonical_json(value) == hand_written(value).encode()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(APPEND, min_size=1, max_size=5))
def test_every_entry_of_a_record(
    sessions: sessionmaker[Session], batch: list[dict[str, Any]]
) -> None:
    fill(sessions, 2)
    with sessions.begin() as session:
        for arguments in batch:
            append(session, **arguments)
    for entry in rows(sessions):
        assert entry_line(entry) == hand_written(entry).encode() + b"\n"
