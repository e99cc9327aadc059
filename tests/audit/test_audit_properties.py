"""Properties: any sequence of appends verifies; any single changed field is named."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import append, export_entries, read_json_lines, verify, verify_entries
from facedocket.audit.canonical import MAX_SAFE_INTEGER
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
).filter(lambda value: value.strip() != "")
NAME = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8).filter(lambda k: "\x00" not in k), inner, max_size=4)
    ),
    max_leaves=12,
)
APPEND = st.fixed_dictionaries(
    {
        "actor": TEXT,
        "role": NAME,
        "action": st.builds(lambda a, b: f"{a}.{b}", NAME, NAME),
        "subject_type": NAME,
        "subject_id": st.one_of(TEXT, st.integers(0, 10**9)),
        "details": st.dictionaries(
            st.text(max_size=8).filter(lambda k: "\x00" not in k), JSON, max_size=5
        ),
    }
)
SLOW = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SLOW
@given(batch=st.lists(APPEND, min_size=1, max_size=6))
def test_any_appends_verify(sessions: sessionmaker[Session], batch: list[dict[str, Any]]) -> None:
    # Examples share the database, so the chain also grows across them.
    with sessions.begin() as session:
        for arguments in batch:
            append(session, **arguments)
    with sessions() as session:
        result = verify(session)
        lines = list(export_entries(session))
    assert result.ok, str(result)
    assert verify_entries(read_json_lines(lines, "export"), [], None).ok


CHANGES: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(-5, 50) | st.text(max_size=3) | st.none(),
    "at": st.text(max_size=30) | st.integers(),
    "actor": TEXT,
    "role": TEXT,
    "action": TEXT,
    "subject_type": TEXT,
    "subject_id": TEXT,
    "details": st.dictionaries(st.text(max_size=5), JSON, max_size=3) | st.lists(JSON),
    "policy_id": st.none() | TEXT,
    "policy_version": st.none() | TEXT,
    "prev_hash": st.from_regex(r"[0-9a-f]{64}", fullmatch=True) | TEXT,
    "entry_hash": st.from_regex(r"[0-9a-f]{64}", fullmatch=True) | TEXT,
}


def _fresh_chain(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A record of its own per example, so what is drawn never depends on earlier examples."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        for arguments in batch:
            append(session, **arguments)
    with sessions() as session:
        entries = list(read_json_lines(export_entries(session), "export"))
    engine.dispose()
    return entries


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_single_changed_field_is_named(data: st.DataObject) -> None:
    entries = _fresh_chain(data.draw(st.lists(APPEND, min_size=3, max_size=6)))
    index = data.draw(st.integers(0, len(entries) - 1))
    field = data.draw(st.sampled_from(sorted(CHANGES)))
    value = data.draw(CHANGES[field].filter(lambda v: v != entries[index][field]))
    tampered = copy.deepcopy(entries)
    tampered[index][field] = value
    result = verify_entries(tampered, [], None)
    assert not result.ok
    assert result.first_bad == entries[index]["seq"], str(result)
