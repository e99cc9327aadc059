"""Retention purges under legal hold and tombstones; the record still verifies after."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.records import Seeder, utc

from facedocket.audit import verify
from facedocket.cases.holds import release_hold, set_hold
from facedocket.cases.retention import candidate_list_bytes, purge
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.store.schema import (
    AuditEntry,
    Candidate,
    Document,
    Purge,
    Review,
    Search,
    SearchRequest,
)

# Maryland keeps probes, documents and candidate lists 1095 days.
OLD, RECENT, PURGE_AT = utc(2022, 1, 1), utc(2025, 1, 1), utc(2025, 6, 1)


@pytest.fixture
def cases(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Three Maryland requests: two from 2022 (one to be held), one from 2025."""
    with sessions.begin() as session:
        seed = Seeder(session)
        seed.agency("state-police", "Maryland State Police")
        seed.user("officer", "state-police", "requester")
        seed.user("examiner", "state-police", "examiner")
        seed.user("supervisor", "state-police", "supervisor")
        seed.user("admin", "state-police", "administrator")
        made = {}
        for name, at in (("old", OLD), ("held", OLD), ("recent", RECENT)):
            request = seed.request(
                "officer", at, policy="maryland-2024", uploaded_at=at, case_number=name
            )
            seed.search(request, "examiner", at.replace(day=5), candidates=2)
            made[name] = request.id
        return made


def run(sessions: sessionmaker[Session], user: str = "admin", dry_run: bool = False) -> list:  # type: ignore[type-arg]
    with sessions.begin() as session:
        return purge(session, load_actor(session, user), PURGE_AT, dry_run=dry_run)


def hold(sessions: sessionmaker[Session], request_id: int, user: str = "supervisor") -> None:
    with sessions.begin() as session:
        set_hold(session, load_actor(session, user), request_id, "Appeal pending in the Court.")


def snapshot(sessions: sessionmaker[Session]) -> tuple[int, int, int, int]:
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Candidate)) or 0,
            session.scalar(select(func.count()).select_from(Review)) or 0,
            session.scalar(select(func.count()).where(Document.content.is_(None))) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def test_purge_keeps_tombstones_and_the_chain(
    sessions: sessionmaker[Session], cases: dict[str, int]
) -> None:
    hold(sessions, cases["held"])
    with sessions() as session:
        search = session.scalars(select(Search).where(Search.request_id == cases["old"])).one()
        list_sha = hashlib.sha256(candidate_list_bytes(session, search)).hexdigest()
        old_docs = {d.id: d.sha256 for d in session.get_one(SearchRequest, cases["old"]).documents}
    before = snapshot(sessions)
    planned = run(sessions, dry_run=True)
    assert snapshot(sessions) == before, "a dry run changes nothing"
    items = run(sessions)
    assert items == planned
    assert [(i.request_id, i.record_type) for i in items] == [
        (cases["old"], "probe_images"),
        (cases["old"], "documents"),
        (cases["old"], "candidate_lists"),
    ]
    with sessions() as session:
        for document in session.get_one(SearchRequest, cases["old"]).documents:
            assert document.content is None and document.purged_at == PURGE_AT
            assert document.sha256 == old_docs[document.id], "the hash stays"
        assert (
            session.scalars(select(Candidate).where(Candidate.search_id == search.id)).all() == []
        )
        assert session.scalars(select(Review).where(Review.search_id == search.id)).all() == []
        held = session.get_one(SearchRequest, cases["held"])
        assert all(d.content is not None for d in held.documents)
        tombstones = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "retention.purged")
            .order_by(AuditEntry.seq)
        ).all()
        assert {t.details["sha256"] for t in tombstones} == {*old_docs.values(), list_sha}
        assert tombstones[2].details["candidates"] == 2
        purges = session.scalars(select(Purge).order_by(Purge.id)).all()
        assert [p.audit_seq for p in purges] == [t.seq for t in tombstones]
        assert verify(session).ok
    assert run(sessions) == [], "nothing is purged twice"


def test_released_holds_are_purged_next_time(
    sessions: sessionmaker[Session], cases: dict[str, int]
) -> None:
    hold(sessions, cases["held"])
    run(sessions)
    with sessions.begin() as session:
        release_hold(
            session, load_actor(session, "admin"), cases["held"], "The appeal was decided."
        )
    assert {i.request_id for i in run(sessions)} == {cases["held"]}
    with sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert actions[0] == "hold.set" and "hold.released" in actions
        assert verify(session).ok


def test_holds_are_refused_to_the_wrong_people_and_twice(
    sessions: sessionmaker[Session], cases: dict[str, int]
) -> None:
    with pytest.raises(Refused, match="supervisor, administrator"):
        hold(sessions, cases["old"], user="examiner")
    with pytest.raises(NotFound):
        hold(sessions, 9999, user="admin")
    with pytest.raises(Refused, match="sentence"), sessions.begin() as session:
        set_hold(session, load_actor(session, "admin"), cases["old"], "because")
    hold(sessions, cases["old"])
    with pytest.raises(Refused, match="on hold already"):
        hold(sessions, cases["old"], user="admin")
    with pytest.raises(Refused, match="not on hold"), sessions.begin() as session:
        release_hold(session, load_actor(session, "admin"), cases["held"], "Nothing to release.")


@pytest.mark.parametrize("user", ["supervisor", "examiner", "officer"])
def test_only_administrators_purge(
    sessions: sessionmaker[Session], cases: dict[str, int], user: str
) -> None:
    with pytest.raises(Refused, match="administrator"):
        run(sessions, user=user, dry_run=True)


def test_a_policy_without_retention_keeps_everything(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        seed = Seeder(session)
        seed.agency("state-police", "Massachusetts State Police")
        seed.user("officer", "state-police", "requester")
        seed.user("examiner", "state-police", "examiner")
        seed.user("admin", "state-police", "administrator")
        request = seed.request("officer", OLD, uploaded_at=OLD)
        seed.search(request, "examiner", OLD)
    assert run(sessions) == []
