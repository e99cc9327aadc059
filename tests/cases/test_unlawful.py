"""An unlawful search's results deleted where the law says so (Maine), with a tombstone:
the search stays on the record, the audit chain still verifies, and every refusal
(wrong role, already deleted, a legal hold, a law with no such rule) writes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World
from tests.cases.leads import conclude, massachusetts_lead
from tests.cases.test_pack_scenarios import FAIR, NOTE, Row, setting_up, write
from tests.cases.test_workflow import act

from facedocket.audit import verify
from facedocket.cases.directory import add_user
from facedocket.cases.holds import release_hold, set_hold
from facedocket.cases.unlawful import declare_unlawful
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.policy import load_pack
from facedocket.reports.compliance import findings
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, Candidate, Review, Search, UnlawfulDeletion

MAINE = "maine-2021"
SERIOUS = Row(
    "probable cause", "investigation", "serious_crime", statements={"probable-cause": FAIR}
)
WHY = "The request named no serious crime; the screening was skipped by mistake."


def maine_search(world: World, folder: Path) -> tuple[int, int]:
    """A Maine request screened by the State Police, searched by the BMV and concluded;
    an auditor of the BMV (``p.audit``) beside the pack's people."""
    world.settings = world.settings.model_copy(update={"policy": MAINE})
    where = setting_up(world, folder, load_pack(MAINE).latest)
    with transaction(world.sessions) as session:
        add_user(
            session,
            "operator:test",
            username="p.audit",
            full_name="Auditor",
            agency_code=where["searching_body"],
            roles=["auditor"],
        )
    number = write(world, where, SERIOUS, world.clock.at)
    act(world, "officer", "submit", number)
    act(world, "p.intake", "approve", number, NOTE)
    search = act(world, "p.exam", "search", number).id
    conclude(world, number, "p.exam")
    return number, search


def declare(world: World, username: str, number: int, search: int, why: str = WHY) -> None:
    with transaction(world.sessions) as session:
        declare_unlawful(session, world.actor(username), number, search, why)


def rows(world: World, search: int) -> tuple[int, int]:
    with world.sessions() as session:
        candidates = session.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.search_id == search)
        )
        reviews = session.scalar(
            select(func.count()).select_from(Review).where(Review.search_id == search)
        )
        return candidates or 0, reviews or 0


def test_the_results_go_and_the_tombstone_and_the_chain_stay(world: World, tmp_path: Path) -> None:
    number, search = maine_search(world, tmp_path)
    candidates, reviews = rows(world, search)
    assert candidates >= 1 and reviews == candidates
    with world.sessions() as session:
        run = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "search.run", AuditEntry.subject_id == str(number)
            )
        ).one()
        entries_before = session.scalar(select(func.count()).select_from(AuditEntry))
    declare(world, "p.audit", number, search)
    assert rows(world, search) == (0, 0)
    with world.sessions() as session:
        tombstone = session.scalars(select(UnlawfulDeletion)).one()
        assert (tombstone.request_id, tombstone.search_id) == (number, search)
        assert (tombstone.candidates, tombstone.conclusions) == (candidates, reviews)
        assert tombstone.candidates_sha256 == run.details["candidates_sha256"]
        assert tombstone.search_entry_seq == run.seq
        assert tombstone.role == "auditor" and tombstone.reason == WHY
        assert len(tombstone.deleted_sha256) == 64
        assert tombstone.deleted_sha256 != hashlib.sha256(b"").hexdigest()
        kept = session.get_one(Search, search)
        assert kept.candidates_returned == candidates, "the search's own row stays"
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "search.declared_unlawful")
        ).one()
        assert entry.seq == tombstone.audit_seq
        assert entry.details["search"] == search and entry.details["reason"] == WHY
        assert entry.details["deleted_sha256"] == tombstone.deleted_sha256
        assert (entry.policy_id, entry.policy_version) == (MAINE, "1.0")
        total = session.scalar(select(func.count()).select_from(AuditEntry))
        assert total == (entries_before or 0) + 1, "no entry was removed or changed"
        assert verify(session).ok
    assert act(world, "officer", "results", number).leads == []
    with world.sessions() as session:
        found = [f for f in findings(session, world.clock.at) if f.check == "unlawful"]
    assert [(f.request_id, f.search_id) for f in found] == [(number, search)]
    assert WHY in found[0].detail


def test_refusals_delete_nothing(world: World, tmp_path: Path) -> None:
    number, search = maine_search(world, tmp_path)
    before = rows(world, search)
    with pytest.raises(Refused, match="supervisor, auditor") as wrong:
        declare(world, "p.exam", number, search)
    assert wrong.value.code == "wrong_role"
    with pytest.raises(Refused, match="supervisor, auditor"):
        declare(world, "officer", number, search)
    with pytest.raises(NotFound):
        declare(world, "other.officer", number, search)
    with pytest.raises(NotFound, match="has no search"):
        declare(world, "p.audit", number, search + 100)
    with pytest.raises(Refused, match="in a sentence"):
        declare(world, "p.audit", number, search, "Unlawful.")
    with transaction(world.sessions) as session:
        set_hold(session, world.actor("admin"), number, "A lawsuit over this search is pending.")
    with pytest.raises(Refused, match=r"is on legal hold \(hold \d+, set .*lawsuit") as held:
        declare(world, "p.audit", number, search)
    assert held.value.code == "on_hold"
    assert "kept until the hold is released" in str(held.value)
    assert rows(world, search) == before
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(UnlawfulDeletion)) == 0
    with transaction(world.sessions) as session:
        release_hold(session, world.actor("admin"), number, "The lawsuit was settled today.")
    declare(world, "p.boss", number, search)
    with pytest.raises(Refused, match="deleted already") as again:
        declare(world, "p.audit", number, search)
    assert again.value.code == "bad_state"


def test_a_law_without_the_rule_keeps_the_results(world: World) -> None:
    number = massachusetts_lead(world)
    with world.sessions() as session:
        search = session.scalars(select(Search.id).where(Search.request_id == number)).one()
    before = rows(world, search)
    with pytest.raises(Refused, match="has no rule deleting the results") as kept:
        declare(world, "auditor", number, search)
    assert kept.value.code == "policy"
    assert rows(world, search) == before
