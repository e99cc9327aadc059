"""An administrator who drops the triggers and rewrites the record is caught, and named.

Each test fills a record of six entries, tampers with it the way an attacker with
database admin rights could, and checks that ``verify`` names the first bad entry.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import attacker, fill, insert_entry, rechain, rows

from facedocket.audit import Problem, VerifyResult, checkpoint, verify
from facedocket.audit.canonical import entry_hash


def _verify(sessions: sessionmaker[Session], key: Ed25519PrivateKey | None = None) -> VerifyResult:
    with sessions() as session:
        return verify(session, key.public_key() if key else None)


def _renumber(connection: object, moves: list[tuple[int, int]]) -> None:
    for old, new in moves:
        connection.execute(  # type: ignore[attr-defined]
            text("UPDATE audit_entries SET seq = :new WHERE seq = :old"), {"old": old, "new": new}
        )


def test_an_edited_field_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions, 6)
    with attacker(engine) as connection:
        connection.execute(text("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 3"))
    result = _verify(sessions)
    assert not result.ok
    assert (result.first_bad, result.problem) == (3, Problem.EDITED)
    assert "does not match its hash" in result.reason
    assert result.entries == 2


def test_edited_details_are_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions, 6)
    with attacker(engine) as connection:
        connection.execute(
            text("UPDATE audit_entries SET details = :d WHERE seq = 4"), {"d": '{"case": "x"}'}
        )
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (4, Problem.EDITED)


def test_a_deleted_entry_is_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions, 6)
    with attacker(engine) as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (3, Problem.DELETED)
    assert "missing: entry 3" in result.reason


def test_deleting_the_tail_is_caught_by_the_head_row(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    fill(sessions, 6)
    with attacker(engine) as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq >= 5"))
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (5, Problem.DELETED)
    assert "deleted from the end" in result.reason


def test_deleting_the_tail_and_the_head_is_caught_by_a_checkpoint(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 6)
    with sessions.begin() as session:
        checkpoint(session, key)
    with attacker(engine) as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq >= 5"))
        last = rows_hash(connection, 4)
        connection.execute(text("UPDATE audit_head SET seq = 4, head_hash = :h"), {"h": last})
    result = _verify(sessions, key)
    assert (result.first_bad, result.problem) == (5, Problem.DELETED)
    assert "covers entries up to 6" in result.reason


def rows_hash(connection: object, seq: int) -> str:
    return str(
        connection.execute(  # type: ignore[attr-defined]
            text("SELECT entry_hash FROM audit_entries WHERE seq = :s"), {"s": seq}
        ).scalar_one()
    )


def test_a_forged_entry_put_in_the_middle_is_named(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    fill(sessions, 6)
    original = rows(sessions)
    with attacker(engine) as connection:
        # Make room at 3 (numbers moved from the top down so none collide), then put in
        # an entry whose own hash and link to entry 2 are both correct.
        _renumber(connection, [(seq, seq + 1) for seq in range(6, 2, -1)])
        forged = {**original[2], "actor": "forger", "prev_hash": original[1]["entry_hash"]}
        forged.pop("entry_hash")
        insert_entry(connection, forged)
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (3, Problem.INSERTED)
    assert "put in between: entry 3" in result.reason


def test_a_forged_entry_with_a_made_up_link_is_named(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    fill(sessions, 6)
    original = rows(sessions)
    with attacker(engine) as connection:
        _renumber(connection, [(seq, seq + 1) for seq in range(6, 3, -1)])
        forged = {**original[3], "actor": "forger", "prev_hash": "ab" * 32}
        forged.pop("entry_hash")
        insert_entry(connection, forged)
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (4, Problem.INSERTED)


def test_two_swapped_entries_are_named(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions, 6)
    with attacker(engine) as connection:
        _renumber(connection, [(3, -3), (4, 3), (-3, 4)])
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (3, Problem.REORDERED)


def test_one_entry_rewritten_and_rehashed_is_named(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    fill(sessions, 6)
    original = rows(sessions)
    rewritten = {**original[2], "actor": "someone else"}
    with attacker(engine) as connection:
        connection.execute(
            text("UPDATE audit_entries SET actor = :a, entry_hash = :h WHERE seq = 3"),
            {"a": "someone else", "h": entry_hash(rewritten)},
        )
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (3, Problem.EDITED)
    assert "rewritten and re-hashed" in result.reason


def test_a_whole_chain_recomputed_after_an_edit_is_caught_by_its_checkpoint(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    fill(sessions, 3, start=3)
    with sessions.begin() as session:
        checkpoint(session, key)
    original = rows(sessions)
    with attacker(engine) as connection:
        rechain(connection, original, 5, "someone else")
    result = _verify(sessions, key)
    assert (result.first_bad, result.problem) == (4, Problem.CHECKPOINT)
    assert "the record from 4 to 6 was rewritten" in result.reason
    assert result.checkpoints == 1


def test_an_unreadable_stored_time_is_reported_not_a_crash(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    fill(sessions, 3)
    with attacker(engine) as connection:
        if engine.dialect.name == "sqlite":  # SQLite stores any text in any column
            connection.execute(text("UPDATE audit_entries SET at = 'yesterday' WHERE seq = 2"))
        else:
            connection.execute(
                text("UPDATE audit_entries SET at = at + interval '1 second' WHERE seq = 2")
            )
    result = _verify(sessions)
    assert (result.first_bad, result.problem) == (2, Problem.EDITED)
