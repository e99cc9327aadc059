"""The per-subject chain (entry format v2): each entry names its subject's previous one,
so an entry of a case left out or put in is named, even where the record's chain was
recomputed around it."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import about, attacker, chained, fill_v1, rebuilt, rechain, rows

from facedocket.audit import Problem, verify, verify_entries
from facedocket.audit.canonical import SUBJECT_PREV, entry_hash
from facedocket.audit.log import ENTRY_COLUMNS_V1, stored_entries
from facedocket.store.migrate import alembic_config, upgrade
from facedocket.store.schema.audit import GENESIS_HASH


def record(sessions: sessionmaker[Session], *subjects: str) -> None:
    for subject in subjects:
        with sessions.begin() as session:
            about(session, subject, "officer-1")


def expected_links(entries: list[dict[str, Any]]) -> list[str]:
    last: dict[str, str] = {}
    links = []
    for entry in entries:
        links.append(last.get(entry["subject_id"], GENESIS_HASH))
        last[entry["subject_id"]] = entry["entry_hash"]
    return links


def test_each_entry_links_to_its_subject_s_previous_entry(sessions: sessionmaker[Session]) -> None:
    record(sessions, "7", "8", "7", "9", "7", "8")
    entries = rows(sessions)
    assert [entry[SUBJECT_PREV] for entry in entries] == expected_links(entries)
    assert entries[2][SUBJECT_PREV] == entries[0]["entry_hash"]
    with sessions() as session:
        assert verify(session).ok


def test_a_forged_subject_link_is_named_with_the_case(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    record(sessions, "7", "8", "7", "7")
    original = rows(sessions)
    with attacker(engine) as connection:
        # Entry 3 now claims to be request 7's first entry: entry 1 is cut out of the case.
        rechain(connection, original, 3, original[2]["actor"], subject_prev=GENESIS_HASH)
    with sessions() as session:
        result = verify(session)
    assert (result.problem, result.first_bad) == (Problem.SUBJECT_CHAIN, 3), str(result)
    assert "request 7" in result.reason
    assert "the start of a chain" in result.reason
    assert "entry 1" in result.reason


def test_a_v1_entry_after_v2_entries_is_refused() -> None:
    entries = chained(["1", "2", "3"])
    old = {key: value for key, value in entries[2].items() if key != SUBJECT_PREV}
    old["entry_hash"] = entry_hash({k: v for k, v in old.items() if k != "entry_hash"})
    result = verify_entries([*entries[:2], old], [], None)
    assert (result.problem, result.first_bad) == (Problem.SUBJECT_CHAIN, 3)
    assert "format v1 entry after format v2 entries" in result.reason


def test_the_migration_keeps_old_entries_and_links_new_ones_to_them(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0013")
    fill_v1(engine, ["5", "6", "5"], with_tree=True)
    sessions = sessionmaker(bind=engine)
    with sessions() as session:
        before = list(stored_entries(session, columns=ENTRY_COLUMNS_V1))
    assert all(SUBJECT_PREV not in entry for entry in before)
    upgrade(engine)
    record(sessions, "5", "6", "new")
    after = rows(sessions)
    assert after[:3] == before
    assert [entry[SUBJECT_PREV] for entry in after[3:]] == [
        before[2]["entry_hash"],
        before[1]["entry_hash"],
        GENESIS_HASH,
    ]
    with sessions() as session:
        assert verify(session).ok


def test_no_downgrade_past_the_subject_chain_once_entries_carry_it(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    record(sessions, "1")
    with pytest.raises(RuntimeError, match="cannot be taken back to before migration 0014"):
        command.downgrade(alembic_config(engine), "0013")
    with sessions() as session:
        assert verify(session).ok


@settings(max_examples=60, deadline=None)
@given(subjects=st.lists(st.sampled_from("abcd"), min_size=2, max_size=30), data=st.data())
def test_an_entry_left_out_of_a_case_is_named_at_the_case_s_next_entry(
    subjects: list[str], data: st.DataObject
) -> None:
    """An insider deletes one entry and recomputes the record's chain around the gap: the
    case's next entry names the gap. A case's *last* entry left out is invisible to the
    chains; only a signed checkpoint or an inclusion proof of the last entry shows it."""
    entries = chained(subjects)
    assert verify_entries(entries, [], None).ok
    gone = data.draw(st.integers(0, len(entries) - 1))
    forged = rebuilt(entries[:gone] + entries[gone + 1 :])
    result = verify_entries(forged, [], None)
    later = [n for n in range(gone + 1, len(entries)) if subjects[n] == subjects[gone]]
    if not later:
        assert result.ok, str(result)
        return
    assert (result.problem, result.first_bad) == (Problem.SUBJECT_CHAIN, later[0]), str(result)
    assert f"request {subjects[gone]}" in result.reason
